/* CPU identification and the start-up check that this binary's instruction set is available.
   Everything here runs before any code compiled for the build's target CPU, so on x86-64 it is
   compiled for the baseline instruction set whatever -march the build uses. */
#include "hens_platform.h"
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HENS_BASELINE __attribute__((target("arch=x86-64")))

static const char *const feature_names[HENS_CPU_FEATURE_COUNT] = {
    "sse3", "ssse3", "sse4.1", "sse4.2", "avx", "avx2", "fma", "f16c", "bmi1", "bmi2",
    "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512bf16", "amx-tile",
};

HENS_BASELINE static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

HENS_BASELINE void hens_cpu_identify(hens_cpu_info *info) {
    memset(info, 0, sizeof *info);
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return;
    unsigned max_leaf = a;
    memcpy(info->vendor, &b, 4);
    memcpy(info->vendor + 4, &d, 4);
    memcpy(info->vendor + 8, &c, 4);

    __get_cpuid(1, &a, &b, &c, &d);
    int family = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
    if (family == 0xf) family += (a >> 20) & 0xff;
    if (family == 0x6 || family >= 0xf) model += ((a >> 16) & 0xf) << 4;
    info->family = family;
    info->model = model;

    uint32_t f = 0;
    if (c & (1u << 0)) f |= HENS_CPU_SSE3;
    if (c & (1u << 9)) f |= HENS_CPU_SSSE3;
    if (c & (1u << 19)) f |= HENS_CPU_SSE4_1;
    if (c & (1u << 20)) f |= HENS_CPU_SSE4_2;
    /* AVX-class features count only when the OS saves the registers (OSXSAVE + XCR0). */
    uint64_t xcr0 = (c & (1u << 27)) ? read_xcr0() : 0;
    int ymm = (xcr0 & 0x6) == 0x6, zmm = ymm && (xcr0 & 0xe0) == 0xe0;
    int tiles = (xcr0 & 0x60000) == 0x60000;
    if (ymm && (c & (1u << 28))) f |= HENS_CPU_AVX;
    if (ymm && (c & (1u << 12))) f |= HENS_CPU_FMA;
    if (ymm && (c & (1u << 29))) f |= HENS_CPU_F16C;
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        unsigned max_sub = a;
        if (b & (1u << 3)) f |= HENS_CPU_BMI1;
        if (b & (1u << 8)) f |= HENS_CPU_BMI2;
        if (ymm && (b & (1u << 5))) f |= HENS_CPU_AVX2;
        if (zmm) {
            if (b & (1u << 16)) f |= HENS_CPU_AVX512F;
            if (b & (1u << 17)) f |= HENS_CPU_AVX512DQ;
            if (b & (1u << 28)) f |= HENS_CPU_AVX512CD;
            if (b & (1u << 30)) f |= HENS_CPU_AVX512BW;
            if (b & (1u << 31)) f |= HENS_CPU_AVX512VL;
        }
        if (tiles && (d & (1u << 24))) f |= HENS_CPU_AMX_TILE;
        if (zmm && max_sub >= 1) {
            __cpuid_count(7, 1, a, b, c, d);
            if (a & (1u << 5)) f |= HENS_CPU_AVX512BF16;
        }
    }
    info->features = f;

    __get_cpuid(0x80000000, &a, &b, &c, &d);
    if (a >= 0x80000004) {
        unsigned *brand = (unsigned *)info->brand;
        for (unsigned leaf = 0; leaf < 3; leaf++)
            __get_cpuid(0x80000002 + leaf, brand + 4 * leaf, brand + 4 * leaf + 1, brand + 4 * leaf + 2, brand + 4 * leaf + 3);
        info->brand[48] = 0;
    }
}

HENS_BASELINE uint32_t hens_cpu_required_features(void) {
    uint32_t f = 0;
#ifdef __SSE3__
    f |= HENS_CPU_SSE3;
#endif
#ifdef __SSSE3__
    f |= HENS_CPU_SSSE3;
#endif
#ifdef __SSE4_1__
    f |= HENS_CPU_SSE4_1;
#endif
#ifdef __SSE4_2__
    f |= HENS_CPU_SSE4_2;
#endif
#ifdef __AVX__
    f |= HENS_CPU_AVX;
#endif
#ifdef __AVX2__
    f |= HENS_CPU_AVX2;
#endif
#ifdef __FMA__
    f |= HENS_CPU_FMA;
#endif
#ifdef __F16C__
    f |= HENS_CPU_F16C;
#endif
#ifdef __BMI__
    f |= HENS_CPU_BMI1;
#endif
#ifdef __BMI2__
    f |= HENS_CPU_BMI2;
#endif
#ifdef __AVX512F__
    f |= HENS_CPU_AVX512F;
#endif
#ifdef __AVX512CD__
    f |= HENS_CPU_AVX512CD;
#endif
#ifdef __AVX512BW__
    f |= HENS_CPU_AVX512BW;
#endif
#ifdef __AVX512DQ__
    f |= HENS_CPU_AVX512DQ;
#endif
#ifdef __AVX512VL__
    f |= HENS_CPU_AVX512VL;
#endif
#ifdef __AVX512BF16__
    f |= HENS_CPU_AVX512BF16;
#endif
#ifdef __AMX_TILE__
    f |= HENS_CPU_AMX_TILE;
#endif
    return f;
}

HENS_BASELINE const char *hens_cpu_feature_name(uint32_t bit) {
    for (int i = 0; i < HENS_CPU_FEATURE_COUNT; i++)
        if (bit == (1u << i)) return feature_names[i];
    return "";
}

#else /* not x86 */
#define HENS_BASELINE
void hens_cpu_identify(hens_cpu_info *info) { memset(info, 0, sizeof *info); }
HENS_BASELINE uint32_t hens_cpu_required_features(void) { return 0; }
const char *hens_cpu_feature_name(uint32_t bit) { (void)bit; return ""; }
#endif

HENS_BASELINE uint32_t hens_cpu_first_missing(uint32_t required, uint32_t available) {
    uint32_t missing = required & ~available;
    return missing & (~missing + 1u);
}

/* Refuses to start, with one line and exit code 69, on a CPU that lacks a feature the build
   requires: without this check such a binary dies of SIGILL somewhere in its first kernel. */
HENS_BASELINE __attribute__((constructor)) static void hens_check_cpu_features(void) {
    hens_cpu_info info;
    hens_cpu_identify(&info);
    uint32_t missing = hens_cpu_first_missing(hens_cpu_required_features(), info.features);
    if (!missing) return;
    const char *parts[] = {
        "hens: error: this binary was built for ", hens_build_target_cpu(), " and needs the CPU feature ",
        hens_cpu_feature_name(missing), ", which this processor lacks; rebuild it here (make build) "
        "or build a portable binary (make build PORTABLE=1)\n",
    };
    for (unsigned i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        ssize_t ignored = write(2, parts[i], strlen(parts[i]));
        (void)ignored;
    }
    _exit(69);
}
