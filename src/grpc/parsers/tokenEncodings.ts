import type { EncodingName } from "../../tokens/countTokens.js";
import { TokenEncoding } from "../../../gen/ts/ltst/memory/v1/rehydrate.js";
import { enumMap } from "./enumMap.js";

/** TokenEncoding ↔ the tokenizer's encoding names. A request's UNSPECIFIED means cl100k_base (parseRehydrateRequest). */
export const tokenEncodings = enumMap<EncodingName, TokenEncoding>({
  cl100k_base: TokenEncoding.TOKEN_ENCODING_CL100K_BASE,
  o200k_base: TokenEncoding.TOKEN_ENCODING_O200K_BASE,
});
