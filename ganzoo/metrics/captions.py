"""Do samples show what their captions say? (text-to-image entries, issue 22)

    stated_agreement(readings, stated, classes)
        -> {(attribute, value): (share of images whose judge reading is the stated value, count)}

`readings` are a multi-label judge's 0/1 readings of the images (N, K), `stated` each image's
caption as ganzoo.captions.mentioned_attributes reads it ({attribute: 0 or 1}); only attributes
the judge knows (`classes`) are scored. The same function scores the real faces the captions were
written from, which bounds what a generator can reach with this judge.
"""

import numpy as np


def stated_agreement(readings, stated, classes):
    readings, classes = np.asarray(readings), list(classes)
    if readings.ndim != 2 or readings.shape != (len(stated), len(classes)):
        raise ValueError(f"readings: expected ({len(stated)}, {len(classes)}) (an image per caption, a column per "
                         f"judged attribute), got {readings.shape}.")
    agree = {}
    for row, caption in enumerate(stated):
        for name, value in caption.items():
            if name in classes:
                agree.setdefault((name, int(value)), []).append(bool(readings[row, classes.index(name)]) == bool(value))
    return {key: (float(np.mean(hits)), len(hits)) for key, hits in sorted(agree.items())}
