#!/usr/bin/env node
/**
 * `node dist/src/cli/prepareEmbedded.js`, run by `npm run build`: makes the
 * template data directories that new embedded databases start from
 * (prepareEmbeddedTemplate), when PGlite or the migrations changed.
 */
import { prepareEmbeddedTemplate } from "../db/prepareEmbeddedTemplate.js";

for (const dir of await prepareEmbeddedTemplate()) console.error(`embedded database template created in ${dir}`);
