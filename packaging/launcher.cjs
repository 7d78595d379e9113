#!@NODE@
// @PROGRAM@: starts the bundle @BUNDLE@ (installed by dualroot's packaging/install.sh).
//
// Every pacman transaction that touches the ESP starts two of these (the guard and the sync), so
// their start-up counts. Where node has a compile cache (module.enableCompileCache, node >= 22.1,
// which Arch ships) the bundle's compiled code is kept in DUALROOT_COMPILE_CACHE (default
// /var/cache/dualroot) and not compiled again on the next run. The cache has to be enabled before
// the bundle is loaded, hence this small file. CommonJS, so every node runs it as it is; a cache
// that cannot be written (a read-only /var, an unprivileged user) only means no cache.
'use strict';
const { enableCompileCache } = require('node:module');
if (typeof enableCompileCache === 'function')
  enableCompileCache(process.env.DUALROOT_COMPILE_CACHE || '/var/cache/dualroot');
import('@BUNDLE@');
