#ifndef C_APEX_KERNELS_H
#define C_APEX_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The few loops where apex needs the CPU's vector units at full width (AVX2 and FMA where the CPU has them, chosen
/// at run time, plain C elsewhere): matrix products for the MiniLM encoder. No allocation, no I/O.

/// c[m×n] = a[m×k] · b[k×n] (+ bias[n] on every row when bias is not NULL); all row-major and contiguous.
void apex_sgemm(int m, int n, int k, const float *a, const float *b, float *c, const float *bias);

/// Rearranges b[k×n] (n a multiple of 16) into panels of 16 columns, each k rows of 16 contiguous floats: the layout
/// apex_sgemm_packed reads. `packed` holds k×n floats.
void apex_pack_panels(int n, int k, const float *b, float *packed);

/// apex_sgemm with b already rearranged by apex_pack_panels (n a multiple of 16): every step of the kernel reads
/// 64 contiguous bytes of b, where the plain layout reads one cache line per row of b.
void apex_sgemm_packed(int m, int n, int k, const float *a, const float *packed, float *c, const float *bias);

/// GELU (the exact form, x·Φ(x), with erf from a rational approximation) of every value, in place.
void apex_gelu(float *values, size_t count);

/// The erf apex_gelu uses, for tests.
float apex_erf(float x);

/// Σ aᵢbᵢ: the distance kernel of the vector index (AVX2 and FMA when the CPU has them).
float apex_dot(const float *a, const float *b, size_t count);

/// Σ aᵢbᵢ over int8 codes, in 32-bit integers (the quantized index).
int32_t apex_dot_i8(const int8_t *a, const int8_t *b, size_t count);

/// Σ (aᵢ − bᵢ)².
float apex_squared_l2(const float *a, const float *b, size_t count);

/// The first two cache lines at `address`, inlined into the caller (the vector index's search loop).
static inline void apex_prefetch_head(const void *address) {
    __builtin_prefetch(address, 0, 3);
    __builtin_prefetch((const char *)address + 64, 0, 3);
}

/// Takes the one-byte lock at `lock` (0 free, 1 held), spinning, then yielding while another thread holds it: the
/// vector index's concurrent build keeps one per node, held for the few microseconds of reading or changing its links.
void apex_spin_lock(uint8_t *lock);

/// Releases a lock taken by apex_spin_lock; what the holder wrote is visible to the next thread that takes it.
void apex_spin_unlock(uint8_t *lock);

/// 1 when apex_sgemm runs its AVX2 and FMA kernel on this CPU, 0 when it runs the portable one.
int apex_kernels_use_avx2(void);

/// Inflates raw deflate data (a zip entry's method 8) of exactly `output_length` bytes.
/// Returns 0 on success, -1 when the data is damaged or does not inflate to exactly that length.
int apex_inflate_raw(const uint8_t *input, size_t input_length, uint8_t *output, size_t output_length);

#endif
