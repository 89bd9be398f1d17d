# SPDX-License-Identifier: MIT
"""A field through a growing season, seen by four slow sensors every 10 minutes.

Sensors (one frame per 10 minutes, int16 values):

  0 soil   capacitive soil-moisture probe at 10 cm on a 12-bit ADC (IIO
           voltage channel, raw counts, 3.3 V reference): wet soil lowers
           the probe's output, about 2900 counts in dry air to 1200 in water;
           per-probe calibration +-4 %, a temperature drift of -0.1 %/K and
           2 counts of noise.
  1 temp   air temperature at 2 m, 0.01 degC (a BME280's in_temp_input / 10)
  2 rh     relative humidity, 0.01 % (in_humidityrelative_input / 10)
  3 rain   tipping-bucket rain gauge on a GPIO line: 0.2 mm per tip, tips
           counted over the 10 minutes (the gpio plugin's count mode)

The physics (one step = 10 minutes; every constant is in Site / below):

* Weather: a synoptic state per day (an AR(1) anomaly of the daily mean
  temperature, sd 3 K, day-to-day correlation 0.7) and a cloud cover per
  day (beta distributed, correlated with the anomaly and the rain).  The
  season's mean temperature follows the day of year (a cosine, warmest
  near day 200) at the site's mean and amplitude.
* Diurnal temperature: minimum near sunrise (06:00), maximum at 15:00, a
  sine rise and an exponential night decay; the daily range is 4 K under
  full cloud and up to 16 K under clear skies.
* Radiative cooling: clear, calm nights cool the ground and the leaves
  below the 2 m air: the leaf temperature is the air temperature minus up
  to 3 K (clear sky) at night.  Frost damage happens at leaf level.
* Humidity: the air's dew point follows the day's minimum temperature
  (plus an air-mass offset, drier under clear skies); RH is computed from
  dew point and temperature with the Magnus formula, capped at 100 %.
* Rain: events start with a probability per 10 minutes that rises with
  cloud cover, last 1 to 6 hours and bring an exponentially distributed
  depth (mean 8 mm); the gauge's tips are that depth in 0.2 mm quanta.
* Soil water (a root-zone bucket, 300 mm deep): rain infiltrates (runoff
  above 20 mm/h), drainage removes 30 %/day of the water above field
  capacity, and evapotranspiration removes Kc * ET0 scaled by a water-
  stress factor (linear below half of the available water).  ET0 follows
  Hargreaves (daily) distributed over the day by the sun's elevation, with
  a vapour-pressure-deficit factor.  The farmer irrigates (25 mm over 2
  hours) on some days when the field is dry: some fields wait longer than
  others, so dry states occur.
* Soil types per field: sandy loam, loam or silt loam, with their field
  capacity and wilting point (volumetric water content); the model is
  not told which.

Labels (what the model is asked, at the end of each hour):

  frost-risk  the leaf temperature falls below 0 degC within the next 12 h
  irrigate    otherwise, the root zone is below 45 % of its available water
              now, or will be within 24 h at the current day's
              evapotranspiration without rain or irrigation
  ok          otherwise
"""
import dataclasses

import numpy as np

STEP_MIN = 10
STEPS_PER_DAY = 24 * 60 // STEP_MIN
LABELS = ("ok", "irrigate", "frost-risk")

SOILS = {                 # name: (field capacity, wilting point), m3/m3
    "sandy loam": (0.24, 0.10),
    "loam": (0.30, 0.13),
    "silt loam": (0.34, 0.15),
}


@dataclasses.dataclass
class Site:
    mean_c: float            # yearly mean temperature
    amplitude_c: float       # seasonal half-range
    latitude: float          # degrees, for the sun
    rain_rate: float         # rain events per cloudy day
    start_day: int           # first day of the season (day of year)
    soil: str
    kc: float                # crop coefficient
    irrigation_patience: float  # probability per dry day of not irrigating


def random_site(rng):
    return Site(mean_c=rng.uniform(7.0, 14.0), amplitude_c=rng.uniform(7.0, 11.0),
                latitude=rng.uniform(38.0, 55.0), rain_rate=rng.uniform(0.3, 1.0),
                start_day=int(rng.integers(60, 250)), soil=rng.choice(list(SOILS)),
                kc=rng.uniform(0.7, 1.15), irrigation_patience=rng.uniform(0.3, 0.9))


def _sun_elevation_sin(day, hour, lat):
    decl = np.radians(23.44) * np.sin(2 * np.pi * (284 + day) / 365.0)
    ha = np.radians(15.0 * (hour - 12.0))
    la = np.radians(lat)
    return np.sin(la) * np.sin(decl) + np.cos(la) * np.cos(decl) * np.cos(ha)


def _diurnal(hour, tmin, tmax, tmin_next):
    """Air temperature at `hour` of a day: sine rise 06:00 -> 15:00, then an
    exponential decay towards the next morning's minimum."""
    if 6.0 <= hour < 15.0:
        return tmin + (tmax - tmin) * np.sin(np.pi / 2 * (hour - 6.0) / 9.0)
    since = hour - 15.0 if hour >= 15.0 else hour + 9.0
    t_sunset = tmin + (tmax - tmin) * 1.0
    frac = (1 - np.exp(-since / 4.0)) / (1 - np.exp(-15.0 / 4.0))
    return t_sunset + (tmin_next - t_sunset) * frac


def _magnus_es(t):
    return 6.112 * np.exp(17.62 * t / (243.12 + t))


def simulate(days, seed, site=None):
    """One field-season: (frames int16 (n, 4), labels int (n,), info dict)
    with n = days * 144 frames; labels are per frame (see module doc)."""
    rng = np.random.default_rng(seed)
    if site is None:
        site = random_site(rng)
    fc, wp = SOILS[str(site.soil)]
    n = days * STEPS_PER_DAY
    # daily weather
    anomaly = np.zeros(days + 2)
    for d in range(1, days + 2):
        anomaly[d] = 0.7 * anomaly[d - 1] + rng.normal(0, 3.0 * np.sqrt(1 - 0.49))
    day_of_year = site.start_day + np.arange(days + 2)
    t_mean = site.mean_c - site.amplitude_c * np.cos(2 * np.pi * (day_of_year - 20) / 365.0) + anomaly
    cloud = np.clip(rng.beta(1.6, 1.6, days + 2) + 0.05 * anomaly, 0.0, 1.0)
    dtr = 4.0 + 12.0 * (1 - cloud) * rng.uniform(0.8, 1.1, days + 2)   # daily range
    tmax = t_mean + dtr / 2
    tmin = t_mean - dtr / 2
    dew_offset = -1.0 - 4.0 * (1 - cloud) + rng.normal(0, 1.0, days + 2)

    hours = (np.arange(n) % STEPS_PER_DAY) * STEP_MIN / 60.0
    day = np.arange(n) // STEPS_PER_DAY
    temp = np.empty(n)
    for i in range(n):
        d, h = day[i], hours[i]
        # before 06:00 the night belongs to the previous day's curve
        if h < 6.0 and d > 0:
            temp[i] = _diurnal(h, tmin[d - 1], tmax[d - 1], tmin[d])
        elif h < 6.0:
            temp[i] = tmin[d] + (tmax[d] - tmin[d]) * 0.1 * (6.0 - h) / 6.0
        else:
            temp[i] = _diurnal(h, tmin[d], tmax[d], tmin[d + 1])
    temp += rng.normal(0, 0.15, n).cumsum() * 0.05 + rng.normal(0, 0.05, n)
    dew = np.minimum(np.repeat(tmin[:days] + dew_offset[:days], STEPS_PER_DAY), temp)
    rh = np.clip(100.0 * _magnus_es(dew) / _magnus_es(temp), 5.0, 100.0)
    # leaf temperature: radiative cooling on clear nights
    sun = np.array([_sun_elevation_sin(day_of_year[d], h, site.latitude) for d, h in zip(day, hours)])
    night = np.clip(-sun * 4, 0, 1)
    leaf = temp - 3.0 * (1 - np.repeat(cloud[:days], STEPS_PER_DAY)) * night

    # rain events
    rain_mm = np.zeros(n)
    i = 0
    while i < n:
        c = cloud[day[i]]
        p_start = site.rain_rate * c ** 2 / STEPS_PER_DAY * 2.0
        if rng.random() < p_start:
            length = int(rng.integers(6, 37))
            depth = rng.exponential(8.0)
            shape = np.sin(np.linspace(0, np.pi, length + 2)[1:-1])
            rain_mm[i:i + length] += (depth * shape / shape.sum())[:max(0, min(length, n - i))]
            i += length
        i += 1

    # soil water balance
    depth_mm = 300.0
    theta = np.empty(n)
    th = rng.uniform(wp + 0.3 * (fc - wp), fc)
    ra = np.clip(sun, 0, None)
    ra_sum = np.maximum(ra.reshape(days, STEPS_PER_DAY).sum(1), 1e-6)
    irrigation_left = 0
    irrigated_today = -1
    et_step = np.zeros(n)
    for i in range(n):
        d = day[i]
        # Hargreaves ET0 (mm/day) spread over daylight by sun elevation
        ra_day = 15.0 * (0.5 + 0.5 * np.cos(2 * np.pi * (day_of_year[d] - 172) / 365.0)) + 5.0
        et0_day = 0.0023 * ra_day * (max(t_mean[d], -5) + 17.8) * np.sqrt(max(tmax[d] - tmin[d], 0.5))
        vpd = max(_magnus_es(temp[i]) * (1 - rh[i] / 100.0), 0.0)
        share = ra[i] / ra_sum[d]
        et0 = et0_day * share * (0.6 + 0.4 * min(vpd / 10.0, 1.5))
        raw = (th - wp) / (fc - wp)
        stress = np.clip(raw / 0.5, 0.0, 1.0)
        et = site.kc * et0 * stress
        et_step[i] = site.kc * et0
        water = rain_mm[i]
        if water > 20.0 / 6:
            water = 20.0 / 6 + 0.5 * (water - 20.0 / 6)   # runoff
        # irrigation: decided at 07:00 on dry days
        if hours[i] == 7.0 and raw < 0.45 and irrigated_today != d:
            if rng.random() > site.irrigation_patience:
                irrigation_left = 12
                irrigated_today = d
        if irrigation_left:
            water += 25.0 / 12
            irrigation_left -= 1
        drain = 0.3 / STEPS_PER_DAY * max(th - fc, 0) * depth_mm
        th += (water - et - drain) / depth_mm
        th = min(max(th, wp * 0.7), 0.48)
        theta[i] = th

    # sensors
    cal = 1.0 + rng.uniform(-0.04, 0.04)
    soil_v = (2900 - 1700 * theta / 0.5) * cal * (1 - 0.001 * (temp - 20.0))
    soil_counts = soil_v + rng.normal(0, 2.0, n)
    tips = np.zeros(n)
    bucket = rng.uniform(0, 0.2)
    for i in range(n):
        bucket += rain_mm[i]
        k = np.floor(bucket / 0.2)
        tips[i] = k
        bucket -= 0.2 * k
    frames = np.stack([
        np.round(soil_counts),
        np.round((temp + rng.normal(0, 0.02, n)) * 100),
        np.round(rh * 100 + rng.normal(0, 30, n)),
        tips,
    ], axis=1)
    frames = np.clip(frames, [0, -32768, 0, 0], [4095, 32767, 10000, 32767]).astype(np.int16)

    # labels
    labels = np.zeros(n, dtype=np.int64)
    ahead = 12 * 6
    leaf_pad = np.concatenate([leaf, np.full(ahead, leaf[-1])])
    daily_et = np.convolve(et_step, np.ones(STEPS_PER_DAY), "full")[:n]   # last 24 h of ET
    for i in range(n):
        raw = (theta[i] - wp) / (fc - wp)
        raw_24h = raw - daily_et[i] / depth_mm / (fc - wp)
        if leaf_pad[i + 1:i + 1 + ahead].min() < 0.0:
            labels[i] = 2
        elif raw < 0.45 or raw_24h < 0.45:
            labels[i] = 1
    info = dict(site=site, theta=theta, leaf=leaf, rain_mm=rain_mm)
    return frames, labels, info


def write_csv(path, samples):
    """The frames as the replay source's CSV: time in seconds, then the
    channels."""
    with open(path, "w") as f:
        f.write("time_s,soil_counts,temp_c100,rh_c100,rain_tips\n")
        for i, row in enumerate(samples):
            f.write("%d,%d,%d,%d,%d\n" % ((i * STEP_MIN * 60,) + tuple(int(v) for v in row)))
