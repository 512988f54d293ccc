/** A small line chart of the training loss by step, from the job's metrics events. */
export function LossChart({ points }: { points: Array<{ step: number; loss: number }> }) {
  if (points.length === 0) return <p className="muted">The loss chart appears with the first metrics.</p>;
  const width = 480;
  const height = 180;
  const pad = { left: 48, right: 12, top: 12, bottom: 28 };
  const steps = points.map((p) => p.step);
  const losses = points.map((p) => p.loss);
  const [minStep, maxStep] = [Math.min(...steps), Math.max(...steps)];
  const [minLoss, maxLoss] = [Math.min(...losses), Math.max(...losses)];
  const x = (step: number) => pad.left + (maxStep === minStep ? 0.5 : (step - minStep) / (maxStep - minStep)) * (width - pad.left - pad.right);
  const y = (loss: number) => pad.top + (maxLoss === minLoss ? 0.5 : 1 - (loss - minLoss) / (maxLoss - minLoss)) * (height - pad.top - pad.bottom);
  const line = points.map((p) => `${x(p.step).toFixed(1)},${y(p.loss).toFixed(1)}`).join(' ');
  const last = points[points.length - 1]!;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Training loss by step: ${last.loss.toFixed(4)} at step ${last.step}`}>
        <line x1={pad.left} y1={height - pad.bottom} x2={width - pad.right} y2={height - pad.bottom} className="axis" />
        <line x1={pad.left} y1={pad.top} x2={pad.left} y2={height - pad.bottom} className="axis" />
        <text x={pad.left - 6} y={pad.top + 4} textAnchor="end">{maxLoss.toFixed(2)}</text>
        <text x={pad.left - 6} y={height - pad.bottom} textAnchor="end">{minLoss.toFixed(2)}</text>
        <text x={pad.left} y={height - 8}>step {minStep}</text>
        <text x={width - pad.right} y={height - 8} textAnchor="end">step {maxStep}</text>
        <polyline points={line} className="series" />
        {points.map((p) => (
          <circle key={p.step} cx={x(p.step)} cy={y(p.loss)} r={3} className="point" />
        ))}
      </svg>
      <figcaption>Training loss by step</figcaption>
    </figure>
  );
}
