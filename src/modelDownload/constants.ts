/** Where downloads are staged inside the model directory until every file is verified. */
export const PARTIAL_DIR_NAME = ".partial";

/** A lowercase sha256 digest in hex, as pinned in manifests and published by Hugging Face. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;
