// The product version, reported by both binaries (metadata, logs, user agents).
export const MODELSHIP_VERSION = '0.1.0';
