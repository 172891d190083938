/* Minimal test harness for the C tests: CHECK(cond) and CHECK_NEAR(a, b, tol) count failures. */
#ifndef WEAR_CHECK_H
#define WEAR_CHECK_H
#include <math.h>
#include <stdio.h>

static int g_failures = 0;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            ++g_failures;                                                        \
        }                                                                        \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                              \
    do {                                                                                   \
        double a_ = (a), b_ = (b);                                                         \
        if (!(fabs(a_ - b_) <= (tol))) {                                                   \
            fprintf(stderr, "%s:%d: %s = %.9g, %s = %.9g, |diff| > %g\n", __FILE__, __LINE__, \
                    #a, a_, #b, b_, (double)(tol));                                        \
            ++g_failures;                                                                  \
        }                                                                                  \
    } while (0)

#define TEST_MAIN_END()                                                   \
    do {                                                                  \
        if (g_failures) fprintf(stderr, "%d check(s) failed\n", g_failures); \
        else printf("ok\n");                                              \
        return g_failures ? 1 : 0;                                        \
    } while (0)

/* Deterministic test signal: a few sines plus a linear-congruential noise, in [-2, 2]. */
static unsigned g_lcg = 12345u;
static inline float noise(void) {
    g_lcg = g_lcg * 1664525u + 1013904223u;
    return (float)((g_lcg >> 8) & 0xFFFF) / 32768.0f - 1.0f;
}
static inline void fill_signal(float *x, int n, int channel) {
    for (int t = 0; t < n; ++t)
        x[t] = (float)(sin(0.05 * t * (channel + 1)) + 0.5 * cos(0.31 * t + channel)) + 0.3f * noise();
}

/* 4th-order Butterworth band-pass 0.5-8 Hz at 64 Hz, scipy.signal.butter(4, [0.5, 8], "bandpass",
   fs=64, output="sos"), rounded to float32. */
static const float kBandpassSos[4 * 6] = {
    8.236396e-03f, 1.6472792e-02f, 8.236396e-03f, 1.0f, -9.5255893e-01f, 2.5850138e-01f,
    1.0f,          2.0f,           1.0f,          1.0f, -1.1510504e+00f, 6.11703e-01f,
    1.0f,          -2.0f,          1.0f,          1.0f, -1.9032725e+00f, 9.06119e-01f,
    1.0f,          -2.0f,          1.0f,          1.0f, -1.9638764e+00f, 9.6631354e-01f};

#endif
