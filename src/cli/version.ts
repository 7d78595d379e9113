// package.json's version; ncc inlines the JSON into each bundle, so an installed program needs
// no package.json beside it.
import pkg from '../../package.json' with { type: 'json' };

/** The version of dualroot, for every program's --version. */
export const VERSION: string = pkg.version;
