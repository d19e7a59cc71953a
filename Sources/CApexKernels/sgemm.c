#include "CApexKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// Portable: i-p-j order, so the innermost loop runs along contiguous rows of b and c (the compiler vectorises it).
static void sgemm_portable(int m, int n, int k, const float *a, const float *b, float *c, const float *bias) {
    for (int i = 0; i < m; i++) {
        float *row = c + (size_t)i * n;
        for (int j = 0; j < n; j++) row[j] = bias ? bias[j] : 0.0f;
        for (int p = 0; p < k; p++) {
            const float value = a[(size_t)i * k + p];
            const float *brow = b + (size_t)p * n;
            for (int j = 0; j < n; j++) row[j] += value * brow[j];
        }
    }
}

#if defined(__x86_64__)
/// Columns j..j+15 of c for every row: six rows at a time held in twelve registers while p runs along k; each step
/// loads two vectors of b (row p of the panel starts at panel + p * stride), broadcasts six values of a and issues
/// twelve fused multiply-adds. With the plain layout the panel is b + j and the stride n (one cache line per row of
/// b); packed, the panel is contiguous and the stride 16.
__attribute__((target("avx2,fma"))) static inline void panel_avx2(int m, int n, int k, int j, const float *a, const float *panel,
                                                                  size_t stride, float *c, const float *bias) {
    const __m256 bias0 = bias ? _mm256_loadu_ps(bias + j) : _mm256_setzero_ps();
    const __m256 bias1 = bias ? _mm256_loadu_ps(bias + j + 8) : _mm256_setzero_ps();
    int i = 0;
    for (; i + 6 <= m; i += 6) {
        __m256 c00 = bias0, c01 = bias1, c10 = bias0, c11 = bias1, c20 = bias0, c21 = bias1;
        __m256 c30 = bias0, c31 = bias1, c40 = bias0, c41 = bias1, c50 = bias0, c51 = bias1;
        const float *a0 = a + (size_t)i * k;
        const float *brow = panel;
        for (int p = 0; p < k; p++, brow += stride) {
            const __m256 b0 = _mm256_loadu_ps(brow);
            const __m256 b1 = _mm256_loadu_ps(brow + 8);
            __m256 v = _mm256_broadcast_ss(a0 + p);
            c00 = _mm256_fmadd_ps(v, b0, c00); c01 = _mm256_fmadd_ps(v, b1, c01);
            v = _mm256_broadcast_ss(a0 + k + p);
            c10 = _mm256_fmadd_ps(v, b0, c10); c11 = _mm256_fmadd_ps(v, b1, c11);
            v = _mm256_broadcast_ss(a0 + 2 * (size_t)k + p);
            c20 = _mm256_fmadd_ps(v, b0, c20); c21 = _mm256_fmadd_ps(v, b1, c21);
            v = _mm256_broadcast_ss(a0 + 3 * (size_t)k + p);
            c30 = _mm256_fmadd_ps(v, b0, c30); c31 = _mm256_fmadd_ps(v, b1, c31);
            v = _mm256_broadcast_ss(a0 + 4 * (size_t)k + p);
            c40 = _mm256_fmadd_ps(v, b0, c40); c41 = _mm256_fmadd_ps(v, b1, c41);
            v = _mm256_broadcast_ss(a0 + 5 * (size_t)k + p);
            c50 = _mm256_fmadd_ps(v, b0, c50); c51 = _mm256_fmadd_ps(v, b1, c51);
        }
        float *c0 = c + (size_t)i * n + j;
        _mm256_storeu_ps(c0, c00); _mm256_storeu_ps(c0 + 8, c01); c0 += n;
        _mm256_storeu_ps(c0, c10); _mm256_storeu_ps(c0 + 8, c11); c0 += n;
        _mm256_storeu_ps(c0, c20); _mm256_storeu_ps(c0 + 8, c21); c0 += n;
        _mm256_storeu_ps(c0, c30); _mm256_storeu_ps(c0 + 8, c31); c0 += n;
        _mm256_storeu_ps(c0, c40); _mm256_storeu_ps(c0 + 8, c41); c0 += n;
        _mm256_storeu_ps(c0, c50); _mm256_storeu_ps(c0 + 8, c51);
    }
    for (; i < m; i++) {
        __m256 c0 = bias0, c1 = bias1;
        const float *arow = a + (size_t)i * k;
        const float *brow = panel;
        for (int p = 0; p < k; p++, brow += stride) {
            const __m256 v = _mm256_broadcast_ss(arow + p);
            c0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(brow), c0);
            c1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(brow + 8), c1);
        }
        _mm256_storeu_ps(c + (size_t)i * n + j, c0);
        _mm256_storeu_ps(c + (size_t)i * n + j + 8, c1);
    }
}

/// Column panels are the outer loop, so a panel of b stays in cache while every row block of a passes over it;
/// the columns past the last multiple of 16 go through the portable loop.
__attribute__((target("avx2,fma"))) static void sgemm_avx2(int m, int n, int k, const float *a, const float *b, float *c,
                                                           const float *bias) {
    const int wide = n - n % 16;
    for (int j = 0; j < wide; j += 16) panel_avx2(m, n, k, j, a, b + j, (size_t)n, c, bias);
    if (wide < n) {
        for (int i = 0; i < m; i++) {
            float *row = c + (size_t)i * n;
            for (int j = wide; j < n; j++) row[j] = bias ? bias[j] : 0.0f;
            for (int p = 0; p < k; p++) {
                const float value = a[(size_t)i * k + p];
                const float *brow = b + (size_t)p * n;
                for (int j = wide; j < n; j++) row[j] += value * brow[j];
            }
        }
    }
}

/// The packed layout: panel j/16 holds b's columns j..j+15 row after row.
__attribute__((target("avx2,fma"))) static void sgemm_packed_avx2(int m, int n, int k, const float *a, const float *packed,
                                                                  float *c, const float *bias) {
    for (int j = 0; j < n; j += 16) panel_avx2(m, n, k, j, a, packed + (size_t)j * k, 16, c, bias);
}

static int avx2_state = -1;

int apex_kernels_use_avx2(void) {
    int state = __atomic_load_n(&avx2_state, __ATOMIC_RELAXED);
    if (state < 0) {
        __builtin_cpu_init();
        state = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
        __atomic_store_n(&avx2_state, state, __ATOMIC_RELAXED);
    }
    return state;
}
#else
int apex_kernels_use_avx2(void) { return 0; }
#endif

void apex_sgemm(int m, int n, int k, const float *a, const float *b, float *c, const float *bias) {
    if (m <= 0 || n <= 0) return;
#if defined(__x86_64__)
    if (apex_kernels_use_avx2()) {
        sgemm_avx2(m, n, k, a, b, c, bias);
        return;
    }
#endif
    sgemm_portable(m, n, k, a, b, c, bias);
}

void apex_pack_panels(int n, int k, const float *b, float *packed) {
    for (int j = 0; j < n; j += 16)
        for (int p = 0; p < k; p++)
            for (int column = 0; column < 16; column++) packed[(size_t)j * k + (size_t)p * 16 + column] = b[(size_t)p * n + j + column];
}

/// Portable, on the packed layout.
static void sgemm_packed_portable(int m, int n, int k, const float *a, const float *packed, float *c, const float *bias) {
    for (int i = 0; i < m; i++) {
        float *row = c + (size_t)i * n;
        for (int j = 0; j < n; j++) row[j] = bias ? bias[j] : 0.0f;
        for (int j = 0; j < n; j += 16) {
            const float *panel = packed + (size_t)j * k;
            for (int p = 0; p < k; p++) {
                const float value = a[(size_t)i * k + p];
                for (int column = 0; column < 16; column++) row[j + column] += value * panel[p * 16 + column];
            }
        }
    }
}

void apex_sgemm_packed(int m, int n, int k, const float *a, const float *packed, float *c, const float *bias) {
    if (m <= 0 || n <= 0) return;
#if defined(__x86_64__)
    if (apex_kernels_use_avx2()) {
        sgemm_packed_avx2(m, n, k, a, packed, c, bias);
        return;
    }
#endif
    sgemm_packed_portable(m, n, k, a, packed, c, bias);
}
