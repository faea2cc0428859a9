#!/usr/bin/env node
/**
 * `node dist/src/cli/prepareEmbedded.js`, run by `npm run build`: makes the
 * template data directory that new embedded databases start from
 * (prepareEmbeddedTemplate), once per PGlite version.
 */
import { embeddedTemplateDir } from "../db/embeddedTemplateDir.js";
import { prepareEmbeddedTemplate } from "../db/prepareEmbeddedTemplate.js";

const dir = embeddedTemplateDir();
if (await prepareEmbeddedTemplate(dir)) console.error(`embedded database template created in ${dir}`);
