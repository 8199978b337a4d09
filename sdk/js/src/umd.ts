// Entry of the classic-script bundle dist/parley.js: exposes the OT object (see build.mjs
// for the UMD wrapper that defines the global `OT`).
export { OT } from './ot/OT.js';
