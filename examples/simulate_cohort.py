"""Tour of wearsdk.sim: a cohort, a recording with ground truth, a streaming watch, and the reference
peak / heart-rate algorithms checked against the truth.

Usage: python examples/simulate_cohort.py
"""

from __future__ import annotations

from wearsdk.bench import bench_simulate
from wearsdk.peaks import ecg_peaks, heart_rate, ppg_peaks, ppg_quality
from wearsdk.sim import Cohort, Device, Noise


def main() -> None:
    cohort = Cohort(50, seed=0)
    table = cohort.traits_table()
    print(f"cohort: {len(cohort)} people, age {table['age'].mean():.0f} +- {table['age'].std():.0f} y, "
          f"AF in {int(table['af'].sum())}, PVCs in {int(table['pvc'].sum())}")

    person = cohort[3]
    print("participant 3:", person.traits)
    rec = person.record(60.0, activity=[(0, 30, "rest"), (30, 60, "walk")], noise=Noise())
    print(f"ecg {rec.ecg.shape} mV @ {rec.sampling_rates['ecg']:g} Hz, ppg {rec.ppg.shape} @ "
          f"{rec.sampling_rates['ppg']:g} Hz, acc {rec.acc.shape} g")

    r = ecg_peaks(rec.lead("II"), sampling_rate=rec.sampling_rates["ecg"])
    p = ppg_peaks(rec.ppg[0], sampling_rate=rec.sampling_rates["ppg"])
    hr_ecg = heart_rate(r, sampling_rate=rec.sampling_rates["ecg"], window_s=10.0, duration_s=60.0)
    hr_ppg = heart_rate(p, sampling_rate=rec.sampling_rates["ppg"], window_s=10.0, duration_s=60.0)
    # template matching, plus the accelerometer: windows whose pulses follow the arm swing get quality 0
    quality = ppg_quality(rec.ppg[0], p, sampling_rate=rec.sampling_rates["ppg"], acc=rec.acc,
                          acc_sampling_rate=rec.sampling_rates["acc"])
    truth = rec.truth.hr_per_s.reshape(6, 10).mean(axis=1)
    print("10 s windows  true HR | ECG HR | PPG HR | PPG quality | activity")
    for w in range(6):
        print(f"  {w * 10:3d}-{w * 10 + 10:3d} s   {truth[w]:6.1f} | {hr_ecg[w]:6.1f} | {hr_ppg[w]:6.1f} | "
              f"{quality[w]:11.2f} | {rec.truth.activity_per_s[w * 10:w * 10 + 10].mean():.2f}")

    watch = Device("watch", person, ecg=True, drop_rate=0.02, jitter_ms=2.0)
    packets = watch.packets(5.0)
    print(f"watch: {len(packets)} packets in 5 s; first: {packets[0].stream} seq {packets[0].seq} "
          f"t={packets[0].timestamp:.3f} s shape {packets[0].data.shape}")
    lost = {s: sorted(set(range(max(q.seq for q in packets if q.stream == s) + 1))
                      - {q.seq for q in packets if q.stream == s}) for s in ("ppg", "acc", "ecg")}
    print("lost packet seqs per stream:", lost)

    result = bench_simulate(duration_s=60.0, participants=2, repeats=2)
    print(f"simulator speed: {result['realtime_factor']:.0f}x real time (12-lead 500 Hz + 4-ch PPG + acc)")


if __name__ == "__main__":
    main()
