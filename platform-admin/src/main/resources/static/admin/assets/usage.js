// Draws the usage page's charts with Chart.js from the JSON the server put in data-chart.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const root = document.getElementById('usage-charts');
  if (!root || !window.Chart) {
    return;
  }
  const data = JSON.parse(root.dataset.chart);
  const labels = root.dataset;
  const common = { responsive: true, maintainAspectRatio: false, animation: false };
  const blue = '#1f5fbf', green = '#2e9b57', orange = '#d9822b';

  function groupChart(id, groups) {
    const names = Object.keys(groups);
    new Chart(document.getElementById(id), {
      type: 'bar',
      data: {
        labels: names,
        datasets: [
          { label: labels.labelPrompt, data: names.map(n => groups[n].promptTokens), backgroundColor: blue },
          { label: labels.labelCompletion, data: names.map(n => groups[n].completionTokens), backgroundColor: green }
        ]
      },
      options: { ...common, indexAxis: 'y', scales: { x: { stacked: true }, y: { stacked: true } } }
    });
  }

  new Chart(document.getElementById('chart-tokens-day'), {
    type: 'bar',
    data: {
      labels: data.days,
      datasets: [
        { label: labels.labelPrompt, data: data.promptTokensPerDay, backgroundColor: blue },
        { label: labels.labelCompletion, data: data.completionTokensPerDay, backgroundColor: green }
      ]
    },
    options: { ...common, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
  });
  new Chart(document.getElementById('chart-cost-day'), {
    type: 'line',
    data: {
      labels: data.days,
      datasets: [{ label: labels.labelCost, data: data.costPerDay.map(Number), borderColor: orange,
        backgroundColor: orange, tension: 0.2 }]
    },
    options: { ...common, scales: { y: { beginAtZero: true } } }
  });
  groupChart('chart-tenant', data.perTenant);
  groupChart('chart-model', data.perModel);
  groupChart('chart-adapter', data.perAdapter);
  root.dataset.drawn = 'true';
});
