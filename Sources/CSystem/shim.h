/* C library declarations Swift's Glibc module does not expose. */
#include <malloc.h>
