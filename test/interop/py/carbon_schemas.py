"""Carbon's own reading of storage-schemas.conf files, as the oracle for ours.

Reads a JSON list of cases from stdin, each {"text": file contents, "metrics": [names]},
and for each writes the file, loads it with carbon.storage.loadStorageSchemas (graphite-carbon's
code, with whisper's archive validation as carbon-cache sets it up) and prints one JSON line:
{"schemas": [[section, [[seconds per point, points], ...]], ...], "matches": [[section, finest
seconds] or null, ...]} or {"error": text} when carbon would refuse the file. Carbon's built-in
fallback schema is left out of both: null means no section of the file matched.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'helpers'))
from carbon_storage import carbon_storage  # noqa: E402

results, storage, work = carbon_storage('blueox-carbon-schemas-')

for n, case in enumerate(json.load(sys.stdin)):
    path = os.path.join(work, 'storage-schemas-%d.conf' % n)
    with open(path, 'w') as f:
        f.write(case['text'])
    storage.STORAGE_SCHEMAS_CONFIG = path
    try:
        schemas = [s for s in storage.loadStorageSchemas() if not isinstance(s, storage.DefaultSchema)]
    except BaseException as exc:  # SystemExit and parser errors alike: carbon would not start
        print(json.dumps({'error': '%s: %s' % (type(exc).__name__, exc)}), file=results)
        continue
    finally:
        os.unlink(path)
    matches = []
    for metric in case['metrics']:
        hit = next((s for s in schemas if s.matches(metric)), None)
        matches.append(None if hit is None else [hit.name, min(a.secondsPerPoint for a in hit.archives)])
    print(json.dumps({
        'schemas': [[s.name, sorted([a.secondsPerPoint, a.points] for a in s.archives)] for s in schemas],
        'matches': matches,
    }), file=results)
os.rmdir(work)
