import type { Keyring } from "../../crypto/createKeyring.js";
import type { Database } from "../../db/Database.js";
import { deletePreference } from "../../domain/preferences/deletePreference.js";
import { getPreference } from "../../domain/preferences/getPreference.js";
import { listPreferences } from "../../domain/preferences/listPreferences.js";
import { setPreference } from "../../domain/preferences/setPreference.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import type {
  DeletePreferenceRequest,
  DeletePreferenceResponse,
  GetPreferenceRequest,
  GetPreferenceResponse,
  ListPreferencesRequest,
  PreferenceServiceServer,
  SetPreferenceRequest,
  SetPreferenceResponse,
} from "../../../gen/ts/ltst/memory/v1/preference.js";
import { ListPreferencesResponse } from "../../../gen/ts/ltst/memory/v1/preference.js";
import type { Preference as DomainPreference } from "../../domain/preferences/openPreference.js";
import { encodePreference } from "../encode.js";
import { unary, type HandlerContext } from "../handlers.js";
import { responsePageBytes } from "../responsePageBytes.js";

/**
 * A required preference key: 1 to 256 characters, no control characters
 * (tab, CR and LF included: a key is an identifier, not text). `stored`
 * keys, the ones Get and Delete name, also take tab, CR and LF, which
 * SetPreference accepted before it refused them: rows written then stay
 * readable and deletable.
 */
function preferenceKey(v: Validator, value: string, options: { stored?: boolean } = {}): string {
  if (value === "") v.fail("key", "is required");
  else if (options.stored) v.text("key", value, limits.preferenceKeyMaxLength);
  else v.key("key", value, limits.preferenceKeyMaxLength);
  return value;
}

/** PreferenceService: thin handlers that validate, call the domain, and encode. */
export function createPreferenceService(context: HandlerContext, deps: {
  db: Database;
  keyring: Keyring;
  /** The server's maximum response size (LTST_MAX_MESSAGE_BYTES): list pages stop before it. */
  maxMessageBytes?: number;
}): PreferenceServiceServer {
  return {
    setPreference: unary(context, async (request: SetPreferenceRequest, signal, scope): Promise<SetPreferenceResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const key = preferenceKey(v, request.key);
      const value = v.content("value", request.value, limits.preferenceValueMaxBytes);
      const metadata = v.metadata("metadata", request.metadata);
      v.done();
      return { preference: encodePreference(await setPreference(deps, { tenantId: scope.tenantId, userId, key, value, metadata }, signal)) };
    }),

    getPreference: unary(context, async (request: GetPreferenceRequest, signal, scope): Promise<GetPreferenceResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const key = preferenceKey(v, request.key, { stored: true });
      v.done();
      return { preference: encodePreference(await getPreference(deps, scope.tenantId, userId, key, signal)) };
    }),

    listPreferences: unary(context, async (request: ListPreferencesRequest, signal, scope): Promise<ListPreferencesResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const pageSize = v.pageSize("page_size", request.pageSize);
      v.done();
      const pageBytes = responsePageBytes(deps.maxMessageBytes, (preference: DomainPreference) =>
        ListPreferencesResponse.encode({ preferences: [encodePreference(preference)], nextPageToken: "" }).finish().length,
      );
      const page = await listPreferences(deps, { tenantId: scope.tenantId, userId, pageSize, pageToken: request.pageToken, pageBytes }, signal);
      return { preferences: page.preferences.map(encodePreference), nextPageToken: page.nextPageToken };
    }),

    deletePreference: unary(context, async (request: DeletePreferenceRequest, signal, scope): Promise<DeletePreferenceResponse> => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const key = preferenceKey(v, request.key, { stored: true });
      v.done();
      await deletePreference(deps, scope.tenantId, userId, key, signal);
      return {};
    }),
  };
}
