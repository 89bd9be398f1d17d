# SPDX-License-Identifier: MIT
"""A rotating machine seen by a 3-axis MEMS accelerometer on its bearing housing.

The physics (every number is in SimParams; the model card repeats them):

* Drive: a 4-pole induction motor on 50 Hz mains.  Its shaft turns at
  f_r = 25 Hz * (1 - slip), slip = 1 % + 3 % * load, so the shaft rate sags
  from 24.75 Hz unloaded to 24.0 Hz at full load.  The load follows a slow
  random walk between 20 % and 100 % with occasional steps (a conveyor
  being filled, a pump throttled).
* Shaft harmonics: residual imbalance and alignment leave 1x, 2x and 3x
  components on the radial axes (x horizontal, y vertical: 1x in
  quadrature, as a rotating force gives) and a small 1x/2x on the axial
  axis (z).  Amplitudes grow mildly with load.
* Gear mesh: a 23-tooth pinion meshes at 23 x f_r (about 560 Hz) with load-
  proportional amplitude and sidebands at +-1x (tooth-to-tooth eccentricity).
* Magnetic: the stator's pull at twice the line frequency (100 Hz), radial.
* Structure: the housing has a resonance at 1250 Hz (damping ratio 5 %);
  broadband excitation from the process (turbulence, rolling contacts)
  reaches the sensor through it, so the noise floor has a hump there.
* Sensor: +-16 g range at 2048 counts/g (0.49 mg/count, int16), white noise
  of 1.5 mg rms per axis, gravity (1 g) on z, a per-unit gain tolerance of
  +-5 % per axis, sampled at 3333 Hz (an ST ISM330DHCX at its 3333 Hz rate).

Faults (only ever in test data):

* imbalance: the 1x radial component grows 3x..8x (mass eccentricity).
* misalignment: strong 2x (and some 1x, 3x) especially axial (z): angular
  and parallel offset between shaft and coupling.
* bearing (outer race, inner race, ball): the rolling elements hit a defect
  at BPFO = n/2 f_r (1 - d/D cos a), BPFI = n/2 f_r (1 + d/D cos a) or
  2 x BSF = D/d f_r (1 - (d/D cos a)^2) (a ball hits both races once per
  spin), n = 9 balls, d/D = 0.2, a = 0.  Each hit rings the 1250 Hz
  resonance (an impulse response of the housing); inner-race and ball hits
  are amplitude-modulated by the shaft rate and the cage rate
  FTF = f_r / 2 (1 - d/D cos a) as the defect passes through the load zone.
* looseness: a loose foot or bearing fit clips the motion: many harmonics
  of 1x (up to 10x) with slowly falling amplitudes, half-order components
  (0.5x, 1.5x, 2.5x), and a 1x-synchronous rattle of short impacts.

Everything is seeded: the same seed gives the same samples, bit for bit
(numpy's PCG64 and float64 arithmetic on one machine).
"""

import dataclasses

import numpy as np

FAULTS = ("imbalance", "misalignment", "bearing_outer", "bearing_inner", "bearing_ball",
          "looseness")


@dataclasses.dataclass(frozen=True)
class SimParams:
    rate_hz: int = 3333
    counts_per_g: float = 2048.0
    line_hz: float = 50.0
    poles: int = 4
    slip_min: float = 0.01
    slip_per_load: float = 0.03
    gear_teeth: int = 23
    resonance_hz: float = 1250.0
    resonance_zeta: float = 0.05
    noise_g: float = 0.0015
    balls: int = 9
    ball_ratio: float = 0.2        # d / D
    # Normal amplitudes (g) at full load: 1x, 2x, 3x radial; 1x, 2x axial.
    h1: float = 0.020
    h2: float = 0.008
    h3: float = 0.004
    axial1: float = 0.006
    axial2: float = 0.004
    gear_g: float = 0.015
    magnetic_g: float = 0.006
    broadband_g: float = 0.010


P = SimParams()


def _load_profile(rng, n, rate):
    """Load in [0.2, 1]: a slow random walk (seconds) with occasional steps."""
    seconds = n / rate
    knots = int(np.ceil(seconds * 4)) + 2       # a knot every 250 ms
    walk = np.cumsum(rng.normal(0.0, 0.03, knots))
    steps = np.where(rng.random(knots) < 0.02, rng.uniform(-0.4, 0.4, knots), 0.0)
    level = rng.uniform(0.25, 0.95) + walk + np.cumsum(steps)
    level = 0.2 + 0.8 * np.abs(((level - 0.2) / 0.8 + 1.0) % 2.0 - 1.0)  # reflect into range
    t_knots = np.arange(knots) / 4.0
    return np.interp(np.arange(n) / rate, t_knots, level)


def _resonate(x, rate, f_n, zeta):
    """x through a single-degree-of-freedom resonance (unit gain at f_n),
    computed in the frequency domain (circular; x is long enough)."""
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1.0 / rate)
    r = f / f_n
    h = (2 * zeta) / np.sqrt((1 - r ** 2) ** 2 + (2 * zeta * r) ** 2)
    return np.fft.irfft(spec * h, len(x))


def _ring(times, amps, n, rate, f_n, zeta):
    """Impacts at times (s) with amplitudes amps ringing the resonance:
    decaying sines exp(-zeta w t) sin(w_d t), 30 ms long."""
    out = np.zeros(n)
    w = 2 * np.pi * f_n
    wd = w * np.sqrt(1 - zeta ** 2)
    length = int(0.03 * rate)
    tt = np.arange(length) / rate
    for t, a in zip(times, amps):
        i = int(t * rate)
        frac = t * rate - i
        if i >= n:
            break
        seg = a * np.exp(-zeta * w * (tt - frac / rate).clip(0)) * np.sin(wd * (tt - frac / rate))
        seg[tt < frac / rate] = 0.0
        m = min(length, n - i)
        out[i:i + m] += seg[:m]
    return out


def _events(phase_cycles, per_rev):
    """Times (in samples, fractional) at which the shaft phase (in
    revolutions) passes multiples of 1 / per_rev."""
    target = np.arange(np.ceil(phase_cycles[0] * per_rev), np.floor(phase_cycles[-1] * per_rev))
    return np.interp(target / per_rev, phase_cycles, np.arange(len(phase_cycles)))


def simulate(seconds, seed, fault=None, severity=1.0, machine=None, fault_span=None, p=P):
    """Samples of one recording: int16 array (n, 3) (x, y, z counts).
    seed drives the load and the noise; machine (default: seed) this
    machine's own constants (harmonic amplitudes and phases, sensor gains).
    fault: None or one of FAULTS; severity in [0, 1] scales it; fault_span
    (t_on, t_off) in seconds limits it to that stretch (0.5 s ramps)."""
    rng = np.random.default_rng(seed)
    unit = np.random.default_rng([0x7157, seed if machine is None else machine])
    rate = p.rate_hz
    n = int(seconds * rate)
    t = np.arange(n) / rate
    load = _load_profile(rng, n, rate)
    f_sync = 2 * p.line_hz / p.poles
    f_r = f_sync * (1 - (p.slip_min + p.slip_per_load * load))
    phase = np.cumsum(f_r) / rate + rng.random()       # revolutions
    th = 2 * np.pi * phase
    mach = 0.85 + 0.3 * unit.random(6)                   # this machine's amplitudes
    ph = unit.uniform(0, 2 * np.pi, 8)
    gains = 1.0 + unit.uniform(-0.05, 0.05, 3)
    amp = 0.6 + 0.4 * load

    x = np.zeros(n)
    y = np.zeros(n)
    z = np.zeros(n)
    # shaft harmonics
    for k, a, m in ((1, p.h1, mach[0]), (2, p.h2, mach[1]), (3, p.h3, mach[2])):
        x += a * m * amp * np.cos(k * th + ph[k])
        y += a * m * amp * np.sin(k * th + ph[k])
    z += p.axial1 * mach[3] * amp * np.cos(th + ph[4]) + p.axial2 * mach[3] * amp * np.cos(2 * th + ph[5])
    # gear mesh with 1x sidebands
    mesh = p.gear_teeth * th + ph[6]
    gear = p.gear_g * mach[4] * load * np.cos(mesh) * (1 + 0.3 * np.cos(th + ph[7]))
    x += gear
    y += 0.7 * gear
    z += 0.4 * gear
    # magnetic pull at twice the line frequency
    mag = p.magnetic_g * mach[5] * (0.8 + 0.2 * load) * np.cos(2 * np.pi * 2 * p.line_hz * t + ph[0])
    x += mag
    y += 0.5 * mag
    # broadband through the housing resonance
    for axis, g in ((x, 1.0), (y, 0.9), (z, 0.6)):
        axis += g * p.broadband_g * (0.7 + 0.3 * load) * _resonate(rng.normal(0, 1, n), rate,
                                                                   p.resonance_hz,
                                                                   p.resonance_zeta)

    if fault is not None:
        fx, fy, fz = _fault(fault, severity, rng, n, rate, th, phase, f_r, load, p)
        env = np.ones(n)
        if fault_span is not None:
            env = np.clip(np.minimum(t - fault_span[0], fault_span[1] - t) / 0.5 + 0.5, 0, 1)
        x += env * fx
        y += env * fy
        z += env * fz

    out = np.stack([x, y, z + 1.0], axis=1) * gains
    out += rng.normal(0, p.noise_g, out.shape)
    counts = np.clip(np.round(out * p.counts_per_g), -32768, 32767)
    return counts.astype(np.int16)


def _fault(fault, severity, rng, n, rate, th, phase, f_r, load, p):
    s = 0.3 + 0.7 * severity
    fx = np.zeros(n)
    fy = np.zeros(n)
    fz = np.zeros(n)
    amp = 0.6 + 0.4 * load
    if fault == "imbalance":
        grow = (2.0 + 6.0 * s) * p.h1 * amp
        ph0 = rng.uniform(0, 2 * np.pi)
        fx += grow * np.cos(th + ph0)
        fy += grow * np.sin(th + ph0)
    elif fault == "misalignment":
        a2 = (0.03 + 0.10 * s) * amp
        ph0 = rng.uniform(0, 2 * np.pi, 4)
        fz += a2 * np.cos(2 * th + ph0[0]) + 0.5 * a2 * np.cos(th + ph0[1]) + 0.3 * a2 * np.cos(3 * th + ph0[2])
        fx += 0.5 * a2 * np.cos(2 * th + ph0[3])
        fy += 0.4 * a2 * np.sin(2 * th + ph0[3])
    elif fault.startswith("bearing"):
        dd = p.ball_ratio
        if fault == "bearing_outer":
            per_rev = p.balls / 2 * (1 - dd)
            mod = np.ones(n)
        elif fault == "bearing_inner":
            per_rev = p.balls / 2 * (1 + dd)
            mod = 0.5 + 0.5 * np.cos(th)                  # the defect passes the load zone
        else:
            per_rev = 2 * (1 / dd) / 2 * (1 - dd ** 2)   # 2 x BSF per revolution (per f_r)
            cage = 2 * np.pi * phase * 0.5 * (1 - dd)
            mod = 0.5 + 0.5 * np.cos(cage)
        hits = _events(phase, per_rev)
        hits = hits + rng.normal(0, 0.002 * rate / per_rev, len(hits))   # roller slip
        hits = np.sort(hits.clip(0, n - 1))
        idx = hits.astype(int)
        amps = (0.01 + 0.07 * s) * mod[idx] * (0.7 + 0.3 * load[idx])
        ring = _ring(hits / rate, amps, n, rate, p.resonance_hz, p.resonance_zeta)
        fx += ring
        fy += 0.8 * ring
        fz += 0.4 * ring
    elif fault == "looseness":
        ph0 = rng.uniform(0, 2 * np.pi, 16)
        base = (0.010 + 0.03 * s) * amp
        for k in range(1, 11):
            fy += base / k ** 0.5 * np.cos(k * th + ph0[k])
            fx += 0.5 * base / k ** 0.5 * np.cos(k * th + ph0[k] + 1.0)
        for i, k in enumerate((0.5, 1.5, 2.5)):
            fy += 0.6 * base * np.cos(k * th + ph0[11 + i])
        hits = _events(phase, 1.0)
        idx = hits.astype(int).clip(0, n - 1)
        fy += _ring(hits / rate, (0.01 + 0.03 * s) * np.ones(len(hits)), n, rate, 700.0, 0.08)
    else:
        raise ValueError(f"unknown fault {fault}")
    return fx, fy, fz
