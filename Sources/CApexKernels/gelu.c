#include "CApexKernels.h"

/// erf as a ratio of an odd polynomial and an even one on [-4, 4] (single precision is ±1 beyond): the rational
/// approximation XLA and Eigen use for float, good to a few units in the last place, and free of exp so that the
/// loop vectorises.
static inline float rational_erf(float value) {
    const float x = value > 4.0f ? 4.0f : (value < -4.0f ? -4.0f : value);
    const float x2 = x * x;
    float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
    p = x2 * p + -2.10102402082508e-06f;
    p = x2 * p + -5.69250639462346e-05f;
    p = x2 * p + -7.34990630326855e-04f;
    p = x2 * p + -2.95459980854025e-03f;
    p = x2 * p + -1.60960333262415e-02f;
    p = x * p;
    float q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
    q = x2 * q + -1.68282697438203e-03f;
    q = x2 * q + -7.37332916720468e-03f;
    q = x2 * q + -1.42647390514189e-02f;
    return p / q;
}

#define GELU_LOOP                                                                                                            \
    for (size_t index = 0; index < count; index++) {                                                                         \
        const float x = values[index];                                                                                       \
        values[index] = 0.5f * x * (1.0f + rational_erf(x * 0.70710678118654752f));                                         \
    }

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static void gelu_avx2(float *values, size_t count) { GELU_LOOP }
#endif

static void gelu_portable(float *values, size_t count) { GELU_LOOP }

float apex_erf(float x) { return rational_erf(x); }

void apex_gelu(float *values, size_t count) {
#if defined(__x86_64__)
    if (apex_kernels_use_avx2()) {
        gelu_avx2(values, count);
        return;
    }
#endif
    gelu_portable(values, count);
}
