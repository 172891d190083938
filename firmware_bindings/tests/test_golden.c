/* Golden vectors from the NumPy/SciPy reference (golden_vectors.h), checked on the host and on the
   emulated Cortex-M4F. Tolerances are relative to each vector's largest magnitude: float32 rounding
   with a double filter state, and the float state of single-precision FPUs. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "golden_vectors.h"
#include "wear_dsp.h"

#if WEAR_SOS_STATE_DOUBLE
#define TOL 2e-5
#else
#define TOL 1e-3
#endif

static int g_failures = 0;

static void compare(const char *name, const float *got, const float *want, int n, double tol) {
    double scale = 1e-6, err = 0.0;
    for (int i = 0; i < n; ++i) scale = fabs(want[i]) > scale ? fabs(want[i]) : scale;
    for (int i = 0; i < n; ++i) {
        const double d = fabs((double)got[i] - want[i]);
        err = d > err || d != d ? d : err;
    }
    const int ok = err <= tol * scale;
    printf("%-14s max rel err %.3g %s\n", name, err / scale, ok ? "ok" : "FAIL");
    g_failures += !ok;
}

static float y[GOLDEN_CHANNELS * GOLDEN_N];
static float work[GOLDEN_CHANNELS * WEAR_PIPELINE_STEP], ring[GOLDEN_CHANNELS * GOLDEN_WINDOW];
static float win[GOLDEN_CHANNELS * GOLDEN_WINDOW], scratch[GOLDEN_N];
static float history[GOLDEN_CHANNELS * GOLDEN_TAPS];
static wear_sos_state_t state[GOLDEN_CHANNELS * GOLDEN_SECTIONS * 2];

int main(void) {
    const int C = GOLDEN_CHANNELS, N = GOLDEN_N;
    wear_sos f;
    int status = wear_sos_init(&f, golden_sos, GOLDEN_SECTIONS, C, state, C * GOLDEN_SECTIONS * 2);
    status |= wear_sos_process(&f, golden_x, N, y, N, N);
    compare("sosfilt", y, golden_sos_out, C * N, TOL);

    wear_resampler r;
    int32_t n_out = 0;
    status |= wear_resampler_init(&r, golden_bank, GOLDEN_UP, GOLDEN_DOWN, GOLDEN_TAPS, C, history,
                                  C * (GOLDEN_TAPS - 1));
    status |= wear_resampler_process(&r, golden_x, N, N, y, GOLDEN_N_RESAMPLED, GOLDEN_N_RESAMPLED, &n_out);
    compare("resample", y, golden_resample_out, C * GOLDEN_N_RESAMPLED, 1e-5);

    status |= wear_normalize(golden_x, N, y, N, C, N, WEAR_NORM_ZSCORE, 1e-8f, NULL, 0);
    compare("zscore", y, golden_zscore_out, C * N, 1e-5);
    status |= wear_normalize(golden_x, N, y, N, C, N, WEAR_NORM_ROBUST, 1e-8f, scratch, N);
    compare("robust zscore", y, golden_robust_out, C * N, 1e-5);

    wear_quality q[GOLDEN_CHANNELS];
    status |= wear_quality_compute(golden_quality_in, N, C, N, 0.0f, q);
    compare("quality", (const float *)q, golden_quality_out, 3 * C, 1e-6);

    wear_pipeline_config cfg = {{golden_sos_pipe, GOLDEN_SECTIONS, golden_bank, GOLDEN_UP, GOLDEN_DOWN, GOLDEN_TAPS,
                                 C, WEAR_NORM_ZSCORE, 1e-8f},
                                GOLDEN_WINDOW, GOLDEN_HOP};
    wear_pipeline p;
    status |= wear_pipeline_init(&p, &cfg, state, C * GOLDEN_SECTIONS * 2, history, C * (GOLDEN_TAPS - 1), ring,
                                 C * GOLDEN_WINDOW, work, C * WEAR_PIPELINE_STEP);
    int k = 0, pos = 0, chunk = 7; /* packets of 7 samples, as from a sensor FIFO */
    while (pos < GOLDEN_N_PIPE) {
        int n = GOLDEN_N_PIPE - pos < chunk ? GOLDEN_N_PIPE - pos : chunk, off = 0;
        int32_t ready = 0;
        do { /* until no window is pending */
            int32_t consumed = 0;
            status |= wear_pipeline_process(&p, golden_pipe_in + pos + off, GOLDEN_N_PIPE, n - off, &consumed, win,
                                            GOLDEN_WINDOW, &ready, NULL, 0);
            off += consumed;
            if (ready && k < GOLDEN_N_WINDOWS) {
                char name[32];
                snprintf(name, sizeof name, "window %d", k);
                compare(name, win, golden_pipe_windows + k * C * GOLDEN_WINDOW, C * GOLDEN_WINDOW, TOL * 10);
            }
            k += ready;
        } while (ready);
        pos += n;
    }
    if (k != GOLDEN_N_WINDOWS) {
        printf("pipeline produced %d windows, expected %d FAIL\n", k, GOLDEN_N_WINDOWS);
        ++g_failures;
    }
    if (status != WEAR_OK) {
        printf("a call returned a non-OK status FAIL\n");
        ++g_failures;
    }
    printf(g_failures ? "golden: %d FAILED\n" : "golden: all ok\n", g_failures);
    return g_failures ? 1 : 0;
}
