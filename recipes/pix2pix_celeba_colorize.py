"""pix2pix_celeba_colorize: pix2pix from grey 64x64 CelebA faces to their colours.

    python recipes/pix2pix_celeba_colorize.py --export
"""

from absl import app

from pix2pix_celeba_edges2faces import train_paired


def main(argv):
    del argv
    train_paired("pix2pix_celeba_colorize", "grayscale",
                 "trained to colour grey (luma) 64x64 CelebA faces; "
                 "translate(grey_faces) takes uint8 (N, 64, 64, 1).")


if __name__ == "__main__":
    app.run(main)
