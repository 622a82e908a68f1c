"""Reading image files safely: bounded, non-blocking opens, decoding with a memory budget, Pillow's warnings per file."""
