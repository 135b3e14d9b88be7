// A group's per-minute trace counts (CloudWatch GetMetricData, AWS/X-Ray ApproximateTraceCount)
// as chart series: every minute of the range, 0 where no datapoint exists. Pure.

function epochSeconds(timestamp) {
  if (typeof timestamp === 'number') {
    return timestamp;
  }
  const parsed = Date.parse(timestamp);
  return Number.isFinite(parsed) ? parsed / 1000 : null;
}

// The GetMetricData body for `group` over [start, end) (epoch seconds), one datapoint a minute.
export function groupCountQuery(group, start, end) {
  return {
    StartTime: Math.floor(start / 60) * 60,
    EndTime: Math.ceil(end / 60) * 60,
    ScanBy: 'TimestampAscending',
    MetricDataQueries: [{
      Id: 'traces',
      MetricStat: {
        Metric: {Namespace: 'AWS/X-Ray', MetricName: 'ApproximateTraceCount',
                 Dimensions: [{Name: 'GroupName', Value: group}]},
        Period: 60,
        Stat: 'Sum',
      },
    }],
  };
}

// [minutes, counts]: the minutes of the query's range (epoch seconds) and each one's count.
export function minuteSeries(answer, query) {
  const byMinute = new Map();
  const result = ((answer && answer.MetricDataResults) || [])[0] || {};
  const timestamps = result.Timestamps || [];
  const values = result.Values || [];
  timestamps.forEach((timestamp, i) => {
    const t = epochSeconds(timestamp);
    if (t !== null && Number.isFinite(values[i])) {
      byMinute.set(Math.floor(t / 60) * 60, values[i]);
    }
  });
  const minutes = [];
  const counts = [];
  for (let t = query.StartTime; t < query.EndTime; t += 60) {
    minutes.push(t);
    counts.push(byMinute.get(t) ?? 0);
  }
  return [minutes, counts];
}
