import type { SearchModeName } from "../../domain/search/searchMessages.js";
import { SearchMode } from "../../../gen/ts/ltst/memory/v1/search.js";
import { enumMap } from "./enumMap.js";

/** SearchMode ↔ the domain's mode names. A request's UNSPECIFIED means hybrid (parseSearchRequest). */
export const searchModes = enumMap<SearchModeName, SearchMode>({
  semantic: SearchMode.SEARCH_MODE_SEMANTIC,
  lexical: SearchMode.SEARCH_MODE_LEXICAL,
  hybrid: SearchMode.SEARCH_MODE_HYBRID,
});
