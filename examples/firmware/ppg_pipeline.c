/* A device's input pipeline in a few lines: raw sensor packets in, normalised model windows out.
 *
 *   wearsdk firmware-config out/ppg/manifest.json --input-rate 256 --out wear_config.h
 *   gcc -O2 -I. -Ifirmware_bindings/include examples/firmware/ppg_pipeline.c build/libwear_dsp_core.a \
 *       -lstdc++ -lm -o ppg_pipeline
 *   ./ppg_pipeline N < raw.f32 > windows.f32
 *
 * Reads N samples per channel of float32 raw input (channel-major) from stdin, feeds them in 50-sample
 * packets as a sensor FIFO would, and writes every model-ready window to stdout. All memory is static,
 * sized by the generated constants; nothing is allocated after start-up but the demo's input buffer.
 */
#include <stdio.h>
#include <stdlib.h>

#include "wear_config.h"

static wear_sos_state_t filter_state[WEAR_CFG_FILTER_STATE_LEN + 1];
static float history[WEAR_CFG_RESAMPLER_STATE_LEN + 1];
static float ring[WEAR_CFG_RING_LEN], work[WEAR_CFG_WORK_LEN];
static float window[WEAR_CFG_CHANNELS * WEAR_CFG_WINDOW], scratch[WEAR_CFG_WINDOW_SCRATCH_LEN + 1];

int main(int argc, char **argv) {
    const int n = argc > 1 ? atoi(argv[1]) : 0;
    float *x = malloc(sizeof(float) * WEAR_CFG_CHANNELS * (size_t)(n > 0 ? n : 1));
    if (n <= 0 || x == NULL) return 2;
    if (fread(x, sizeof(float), (size_t)WEAR_CFG_CHANNELS * n, stdin) != (size_t)WEAR_CFG_CHANNELS * n) return 2;
    wear_pipeline p;
    wear_status st = wear_pipeline_init(&p, &wear_cfg_pipeline, filter_state, WEAR_CFG_FILTER_STATE_LEN, history,
                                        WEAR_CFG_RESAMPLER_STATE_LEN, ring, WEAR_CFG_RING_LEN, work, WEAR_CFG_WORK_LEN);
    for (int pos = 0; pos < n && st == WEAR_OK; pos += 50) {
        const int len = n - pos < 50 ? n - pos : 50;
        int off = 0;
        int32_t consumed = 0, ready = 0;
        do { /* until the packet is consumed and no window is pending */
            st = wear_pipeline_process(&p, x + pos + off, n, len - off, &consumed, window, WEAR_CFG_WINDOW, &ready,
                                       scratch, WEAR_CFG_WINDOW_SCRATCH_LEN);
            off += consumed;
            if (st == WEAR_OK && ready) fwrite(window, sizeof(float), sizeof window / sizeof(float), stdout);
        } while (st == WEAR_OK && ready);
    }
    if (st != WEAR_OK) fprintf(stderr, "%s\n", wear_status_str(st));
    free(x);
    return st == WEAR_OK ? 0 : 1;
}
