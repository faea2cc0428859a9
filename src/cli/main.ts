#!/usr/bin/env node
import module from "node:module";

// The `ltst` executable. V8's compile cache (in the system's temporary
// directory, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it
// off) lets every start after the first skip compiling the service's and its
// dependencies' JavaScript again. It only applies to modules loaded after it
// is enabled, hence the dynamic import of everything else. (Optional: older
// Node versions, which package.json does not support, lack it.)
module.enableCompileCache?.();
const { runCli } = await import("./runCli.js");
await runCli(process.argv.slice(2));
