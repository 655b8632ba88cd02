#ifndef HENS_PLATFORM_H
#define HENS_PLATFORM_H
/* Facts about the processor and the build that Swift cannot read by itself: CPUID feature bits,
   the instruction-set features this binary was compiled to require, and the git commit it was
   built from. */
#include <stdint.h>

/* Feature bits, one per instruction-set extension hens or its BLAS kernels care about. */
enum {
    HENS_CPU_SSE3 = 1u << 0,
    HENS_CPU_SSSE3 = 1u << 1,
    HENS_CPU_SSE4_1 = 1u << 2,
    HENS_CPU_SSE4_2 = 1u << 3,
    HENS_CPU_AVX = 1u << 4,
    HENS_CPU_AVX2 = 1u << 5,
    HENS_CPU_FMA = 1u << 6,
    HENS_CPU_F16C = 1u << 7,
    HENS_CPU_BMI1 = 1u << 8,
    HENS_CPU_BMI2 = 1u << 9,
    HENS_CPU_AVX512F = 1u << 10,
    HENS_CPU_AVX512CD = 1u << 11,
    HENS_CPU_AVX512BW = 1u << 12,
    HENS_CPU_AVX512DQ = 1u << 13,
    HENS_CPU_AVX512VL = 1u << 14,
    HENS_CPU_AVX512BF16 = 1u << 15,
    HENS_CPU_AMX_TILE = 1u << 16,
    HENS_CPU_FEATURE_COUNT = 17
};

/* The processor's identity: vendor string ("GenuineIntel", "AuthenticAMD", or "" off x86-64),
   display family and model, brand string, and the feature bits usable here (the operating
   system saves the vector registers they need). */
typedef struct {
    char vendor[13];
    char brand[49];
    int family;
    int model;
    uint32_t features;
} hens_cpu_info;

/* Fills `info` from CPUID (zeros and empty strings on other architectures). */
void hens_cpu_identify(hens_cpu_info *info);

/* The feature bits this binary was compiled to require (from the compiler's target macros). */
uint32_t hens_cpu_required_features(void);

/* The name of a feature bit ("avx512f", …), or "" for an unknown bit. */
const char *hens_cpu_feature_name(uint32_t bit);

/* The first bit of `required` missing from `available`, or 0 when none is. */
uint32_t hens_cpu_first_missing(uint32_t required, uint32_t available);

/* The git commit the binary was built from ("abc1234", "abc1234-dirty"), or "unknown". */
const char *hens_build_commit(void);

/* The CPU name the binary was built for ("znver3", "x86-64-v3", …), or "unknown". */
const char *hens_build_target_cpu(void);

#endif
