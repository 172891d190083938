/* Footprint of the PPG encoder's input pipeline on a Cortex-M4F: 4 channels at 256 Hz, band-pass
   0.5-8 Hz (4 sections), resampled to 64 Hz (85 taps per phase), 60 s windows (3840 samples), hop 1 s.
   Every buffer is static and sized by constants, as a device build generates them
   (wearsdk firmware-config). Only the sizes matter here; the coefficients are placeholders. */
#include "wear_dsp.h"

#define CH 4
#define SECTIONS 4
#define TAPS 85
#define WINDOW 3840
#define HOP 64

static const float sos[SECTIONS * 6] = {1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0};
static const float bank[TAPS] = {1};
static wear_sos_state_t filter_state[CH * SECTIONS * 2];
static float history[CH * (TAPS - 1)];
static float ring[CH * WINDOW];
static float work[CH * WEAR_PIPELINE_STEP];
static wear_pipeline pipeline;

int wear_footprint_ppg_init(void) {
    const wear_pipeline_config cfg = {{sos, SECTIONS, bank, 1, 4, TAPS, CH, WEAR_NORM_ZSCORE, 1e-8f}, WINDOW, HOP};
    return wear_pipeline_init(&pipeline, &cfg, filter_state, CH * SECTIONS * 2, history, CH * (TAPS - 1), ring,
                              CH * WINDOW, work, CH * WEAR_PIPELINE_STEP);
}

int wear_footprint_ppg_push(const float *x, int32_t n, float *model_input, int32_t *consumed, int32_t *ready) {
    return wear_pipeline_process(&pipeline, x, n, n, consumed, model_input, WINDOW, ready, 0, 0);
}
