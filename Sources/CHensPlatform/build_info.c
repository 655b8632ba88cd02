/* The build's identity. `make build` writes build_stamp.h (not committed) with the git commit and
   the target CPU; a plain `swift build` has none and reports "unknown". */
#include "hens_platform.h"

#if __has_include("build_stamp.h")
#include "build_stamp.h"
#endif
#ifndef HENS_BUILD_COMMIT
#define HENS_BUILD_COMMIT "unknown"
#endif
#ifndef HENS_BUILD_TARGET_CPU
#define HENS_BUILD_TARGET_CPU "unknown"
#endif

const char *hens_build_commit(void) { return HENS_BUILD_COMMIT; }
const char *hens_build_target_cpu(void) { return HENS_BUILD_TARGET_CPU; }
