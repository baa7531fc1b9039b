export interface Toolchain { nodeDir: string; codeServerBin: string; chromium: string }
export function ensureToolchain(): Toolchain;
export function cacheRoot(): string;
export function toolchainCached(): boolean;
export function chromiumPath(): string;
export const CODE_SERVER_VERSION: string;
