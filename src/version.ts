/** The release, stamped into the bundles by esbuild (`--define`); "dev" when run from tsc output. */
declare const __BLUEOX_VERSION__: string | undefined;

export const VERSION: string = typeof __BLUEOX_VERSION__ === 'string' ? __BLUEOX_VERSION__ : 'dev';
