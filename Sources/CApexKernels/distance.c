#include "CApexKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

/// Four accumulators of eight lanes, so that consecutive fused multiply-adds do not wait on each other.
__attribute__((target("avx2,fma"))) static float dot_avx2(const float *a, const float *b, size_t count) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t index = 0;
    for (; index + 32 <= count; index += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + index), _mm256_loadu_ps(b + index), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + index + 8), _mm256_loadu_ps(b + index + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + index + 16), _mm256_loadu_ps(b + index + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + index + 24), _mm256_loadu_ps(b + index + 24), s3);
    }
    for (; index + 8 <= count; index += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + index), _mm256_loadu_ps(b + index), s0);
    const __m256 sum = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
    __m128 half = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
    half = _mm_add_ps(half, _mm_movehl_ps(half, half));
    half = _mm_add_ss(half, _mm_movehdup_ps(half));
    float total = _mm_cvtss_f32(half);
    for (; index < count; index++) total += a[index] * b[index];
    return total;
}

__attribute__((target("avx2,fma"))) static float squared_l2_avx2(const float *a, const float *b, size_t count) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t index = 0;
    for (; index + 16 <= count; index += 16) {
        const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + index), _mm256_loadu_ps(b + index));
        const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + index + 8), _mm256_loadu_ps(b + index + 8));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
    }
    const __m256 sum = _mm256_add_ps(s0, s1);
    __m128 half = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
    half = _mm_add_ps(half, _mm_movehl_ps(half, half));
    half = _mm_add_ss(half, _mm_movehdup_ps(half));
    float total = _mm_cvtss_f32(half);
    for (; index < count; index++) total += (a[index] - b[index]) * (a[index] - b[index]);
    return total;
}

/// Sixteen codes at a time widened to 16 bits; madd multiplies pairs and adds neighbours into 32-bit lanes.
__attribute__((target("avx2,fma"))) static int32_t dot_i8_avx2(const int8_t *a, const int8_t *b, size_t count) {
    __m256i sum = _mm256_setzero_si256();
    size_t index = 0;
    for (; index + 16 <= count; index += 16) {
        const __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(a + index)));
        const __m256i y = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + index)));
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(x, y));
    }
    __m128i half = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
    half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0x4E));
    half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0xB1));
    int32_t total = _mm_cvtsi128_si32(half);
    for (; index < count; index++) total += (int32_t)a[index] * (int32_t)b[index];
    return total;
}
#endif

static int32_t dot_i8_portable(const int8_t *a, const int8_t *b, size_t count) {
    int32_t total = 0;
    for (size_t index = 0; index < count; index++) total += (int32_t)a[index] * (int32_t)b[index];
    return total;
}

int32_t apex_dot_i8(const int8_t *a, const int8_t *b, size_t count) {
#if defined(__x86_64__)
    if (apex_kernels_use_avx2()) return dot_i8_avx2(a, b, count);
#endif
    return dot_i8_portable(a, b, count);
}

static float dot_portable(const float *a, const float *b, size_t count) {
    float total = 0;
    for (size_t index = 0; index < count; index++) total += a[index] * b[index];
    return total;
}

static float squared_l2_portable(const float *a, const float *b, size_t count) {
    float total = 0;
    for (size_t index = 0; index < count; index++) total += (a[index] - b[index]) * (a[index] - b[index]);
    return total;
}

float apex_dot(const float *a, const float *b, size_t count) {
#if defined(__x86_64__)
    if (apex_kernels_use_avx2()) return dot_avx2(a, b, count);
#endif
    return dot_portable(a, b, count);
}

float apex_squared_l2(const float *a, const float *b, size_t count) {
#if defined(__x86_64__)
    if (apex_kernels_use_avx2()) return squared_l2_avx2(a, b, count);
#endif
    return squared_l2_portable(a, b, count);
}

