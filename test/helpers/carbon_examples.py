"""How graphite-carbon itself reads a storage-schemas.conf and a storage-aggregation.conf.

Usage: carbon_examples.py SCHEMAS AGGREGATION < names.json
Loads both files with carbon.storage (loadStorageSchemas, with whisper's archive validation
as carbon-cache sets it up, and loadAggregationSchemas), then, for each metric name of the
JSON list on stdin, prints what carbon-cache would create its whisper file with, as one JSON
object: {name: {"schema": section, "archives": [[seconds per point, points], ...],
"aggregation": section, "method": aggregationMethod, "xff": xFilesFactor}}. Names are
normalised as carbon-cache does before it looks them up (tags sorted; a name that is not
valid tagged syntax, such as a tag without a value, left as it is).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from carbon_storage import carbon_storage  # noqa: E402

results, storage, work = carbon_storage('blueox-carbon-examples-')
from carbon.util import TaggedSeries  # noqa: E402

storage.STORAGE_SCHEMAS_CONFIG = sys.argv[1]
storage.STORAGE_AGGREGATION_CONFIG = sys.argv[2]
schemas = storage.loadStorageSchemas()
aggregations = storage.loadAggregationSchemas()

out = {}
for name in json.load(sys.stdin):
    # As carbon-cache does (carbon/cache.py): a name it cannot read as tagged stays as it is.
    try:
        metric = TaggedSeries.parse(name).path
    except Exception:
        metric = name
    schema = next(s for s in schemas if s.matches(metric))
    aggregation = next(a for a in aggregations if a.matches(metric))
    out[name] = {
        'schema': schema.name,
        'archives': [list(a.getTuple()) for a in schema.archives],
        'aggregation': aggregation.name,
        'method': aggregation.archives[1],
        'xff': aggregation.archives[0],
    }
print(json.dumps(out), file=results)
os.rmdir(work)
