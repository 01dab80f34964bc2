"""Growth plot for `npm run bench`: indexing time, index bytes and query latency against corpus size (chunks),
the product beside its baselines. Reads the bench JSON, writes an SVG with matplotlib.

usage: python bench/python/plot_growth.py BENCH.json OUT.svg
"""
import json
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def main() -> None:
    data = json.load(open(sys.argv[1]))
    runs = sorted(data['corpora'], key=lambda r: r['index']['chunks'])
    x = [r['index']['chunks'] for r in runs]
    labels = [r['corpus'] for r in runs]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))

    ax = axes[0]
    ax.plot(x, [r['index']['seconds'] for r in runs], 'o-', label='CLaRa index (measured)')
    ax.plot(x, [r['baselines']['bm25']['buildMs'] / 1000 for r in runs], 's-', label='BM25 build (measured)')
    ax.plot(x, [r['index']['chunks'] / r['baselines']['minilm']['batch1']['chunksPerSec'] for r in runs], '^--',
            label='MiniLM-L6 batch 1, encode only (projected from sample rate)')
    ax.set_title('indexing time')
    ax.set_ylabel('seconds')

    ax = axes[1]
    ax.plot(x, [r['index']['bytesOnDisk'] / 1e6 for r in runs], 'o-', label='CLaRa store on disk')
    ax.plot(x, [r['baselines']['bm25']['bytes'] / 1e6 for r in runs], 's-', label='BM25 index (serialised)')
    ax.plot(x, [r['index']['chunks'] * 384 * 4 / 1e6 for r in runs], '^--',
            label='MiniLM vectors alone (384 × fp32 per chunk, computed)')
    ax.set_title('index size')
    ax.set_ylabel('MB')

    ax = axes[2]
    ax.plot(x, [r['query']['searchMs']['p50'] for r in runs], 'o-', label='CLaRa search p50')
    ax.plot(x, [r['query']['searchMs']['p95'] for r in runs], 'o:', label='CLaRa search p95')
    ax.plot(x, [r['baselines']['bm25']['queryMs']['p50'] for r in runs], 's-', label='BM25 query p50')
    ax.set_title('query latency')
    ax.set_ylabel('ms')

    for ax in axes:
        ax.set_xscale('log')
        ax.set_yscale('log')
        ax.set_xlabel('corpus size (chunks)')
        for xi, lab in zip(x, labels):
            ax.annotate(lab, (xi, ax.get_ylim()[0]), textcoords='offset points', xytext=(0, 4), fontsize=7,
                        ha='center')
        ax.grid(True, which='both', alpha=0.3)
        ax.legend(fontsize=7)
    m = data['machine']
    fig.suptitle(f"CLaRa Code bench — {m['cpuModel']}, {m['cores']} cores, node {m['node']}, "
                 f"onnxruntime-node {m['onnxruntimeNode']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(sys.argv[2], format='svg')


if __name__ == '__main__':
    main()
