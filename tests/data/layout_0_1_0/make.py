"""Write a library's cache with hashview 0.1.0 as of commit 788e631 (the layout before the re-filing)."""
import json, os, shutil, sys
from pathlib import Path
sys.path.insert(0, "/tmp/legacy/tests")
from imagefactory import make_photo, make_near_duplicate
out = Path("/tmp/legacy_out"); shutil.rmtree(out, ignore_errors=True); out.mkdir()
os.environ["HASHVIEW_HOME"] = str(out / "home")
photos = out / "photos"
originals = [make_photo(photos / f"p{i}.png", (48, 36), seed=i) for i in range(6)]
make_near_duplicate(originals[0], photos / "p0_copy.jpg", scale=0.9, quality=90)
shutil.copy2(originals[1], photos / "p1 (1).png")
from hashview.core.library import Library
with Library.open(photos) as lib:
    for _ in lib.index(): pass
    for _ in lib.train(method="itq", bits=16, name="itq-16"): pass
    for _ in lib.train(method="dupnet", bits=16, epochs=1, input_size=32, batch_size=8, backbone="cnn-xs", name="dupnet-16"): pass
    lib.record_decision(photos / "p0.png", photos / "p0_copy.jpg", "same")
    lib.record_decision(photos / "p2.png", photos / "p3.png", "different")
    print([ (n.name, n.id) for n in lib.networks()], lib.current_network().name)
    mtimes = {e.relpath: e.mtime_ns for e in lib.entries()}
(out / "mtimes.json").write_text(json.dumps(mtimes, indent=1))
