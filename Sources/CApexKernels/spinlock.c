#include "CApexKernels.h"

#include <sched.h>

void apex_spin_lock(uint8_t *lock) {
    while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE)) {
        // Wait reading, not writing, so that the line is not bounced between cores; yield when the holder is descheduled.
        for (int spins = 0; __atomic_load_n(lock, __ATOMIC_RELAXED); spins++) {
            if (spins >= 64) {
                sched_yield();
                spins = 0;
            }
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
    }
}

void apex_spin_unlock(uint8_t *lock) { __atomic_store_n(lock, 0, __ATOMIC_RELEASE); }
