import type { Keyring } from "../../domain/ports/Keyring.js";
import type { Database } from "../../domain/ports/Database.js";
import { deletePreference } from "../../domain/preferences/deletePreference.js";
import { getPreference } from "../../domain/preferences/getPreference.js";
import { listPreferences } from "../../domain/preferences/listPreferences.js";
import { setPreference } from "../../domain/preferences/setPreference.js";
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
import { parseDeletePreferenceRequest } from "../parsers/parseDeletePreferenceRequest.js";
import { parseGetPreferenceRequest } from "../parsers/parseGetPreferenceRequest.js";
import { parseListPreferencesRequest } from "../parsers/parseListPreferencesRequest.js";
import { parseSetPreferenceRequest } from "../parsers/parseSetPreferenceRequest.js";
import { responsePageBytes } from "../responsePageBytes.js";

/** PreferenceService: thin handlers that parse the request (src/grpc/parsers/), call the domain, and encode. */
export function createPreferenceService(context: HandlerContext, deps: {
  db: Database;
  keyring: Keyring;
  /** The server's maximum response size (LTST_MAX_MESSAGE_BYTES): list pages stop before it. */
  maxMessageBytes?: number;
}): PreferenceServiceServer {
  return {
    setPreference: unary(context, async (request: SetPreferenceRequest, signal, scope): Promise<SetPreferenceResponse> => {
      const input = parseSetPreferenceRequest(request);
      return { preference: encodePreference(await setPreference(deps, { ...input, tenantId: scope.tenantId }, signal)) };
    }),

    getPreference: unary(context, async (request: GetPreferenceRequest, signal, scope): Promise<GetPreferenceResponse> => {
      const { userId, key } = parseGetPreferenceRequest(request);
      return { preference: encodePreference(await getPreference(deps, scope.tenantId, userId, key, signal)) };
    }),

    listPreferences: unary(context, async (request: ListPreferencesRequest, signal, scope): Promise<ListPreferencesResponse> => {
      const input = parseListPreferencesRequest(request);
      const pageBytes = responsePageBytes(deps.maxMessageBytes, (preference: DomainPreference) =>
        ListPreferencesResponse.encode({ preferences: [encodePreference(preference)], nextPageToken: "" }).finish().length,
      );
      const page = await listPreferences(deps, { ...input, tenantId: scope.tenantId, pageBytes }, signal);
      return { preferences: page.preferences.map(encodePreference), nextPageToken: page.nextPageToken };
    }),

    deletePreference: unary(context, async (request: DeletePreferenceRequest, signal, scope): Promise<DeletePreferenceResponse> => {
      const { userId, key } = parseDeletePreferenceRequest(request);
      await deletePreference(deps, scope.tenantId, userId, key, signal);
      return {};
    }),
  };
}
