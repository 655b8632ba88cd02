#include <fftw3.h>
/* fftw_version is an array of unknown size, which Swift does not import. */
static inline const char *hens_fftw_version(void) { return fftw_version; }
