// How times and durations read in the console. Pure functions.

// 0.000512 -> "512 µs", 0.0425 -> "42.5 ms", 3.2 -> "3.20 s", 125 -> "2 min 5 s"; "" if unknown.
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) {
    return '';
  }
  if (seconds < 0.001) {
    return `${Math.round(seconds * 1e6)} µs`;
  }
  if (seconds < 1) {
    const ms = seconds * 1000;
    return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`;
  }
  if (seconds < 60) {
    return `${seconds.toFixed(2)} s`;
  }
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

// Epoch seconds -> "2026-12-06 03:14:57.123" (UTC); "" if unknown.
export function formatTime(epochSeconds) {
  if (!Number.isFinite(epochSeconds)) {
    return '';
  }
  return new Date(epochSeconds * 1000).toISOString().replace('T', ' ').replace('Z', '');
}
