"""graphite-carbon's storage module, set up as carbon-cache sets it up, for the scripts that ask
carbon itself how it reads storage-schemas.conf and storage-aggregation.conf.

carbon_storage(prefix) returns (results, storage, work): the real stdout for the script's JSON (carbon
logs its complaints to stdout, which is pointed at stderr from here on) and carbon.storage, with a
whisper database in `work`, a new temporary folder, so whisper's archive validation applies.
"""
import sys
import tempfile

sys.path.insert(0, '/usr/lib/python3/dist-packages')


def carbon_storage(prefix):
    results = sys.stdout
    sys.stdout = sys.stderr
    from carbon.conf import settings

    work = tempfile.mkdtemp(prefix=prefix)
    settings['CONF_DIR'] = work
    settings['LOCAL_DATA_DIR'] = work
    from carbon import state, storage
    from carbon.database import WhisperDatabase

    state.database = WhisperDatabase(settings)
    return results, storage, work
