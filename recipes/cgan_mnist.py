"""cgan_mnist: class-conditional DCGAN (projection discriminator) on the 60,000 MNIST digits.

    python recipes/cgan_mnist.py --export
"""

from absl import app

import recipe_flags

FLAGS = recipe_flags.FLAGS


def images_and_labels(dataset):
    def load(data_dir, source):
        from ganzoo import data

        return data.load(dataset, "train", data_dir=data_dir, source=source)

    return load


def train_conditional(name, dataset, dataset_card, fid_reference, classifier, what, *, steps, ema_decay):
    from ganzoo import data

    recipe_flags.run(
        name, "cgan",
        {"resolution": 28, "channels": 1, "width": 64, "latent_dim": 100, "num_classes": 10,
         "class_names": data.DATASETS[dataset]["classes"], "embed_dim": 50, "ema_decay": ema_decay},
        images_and_labels(dataset), steps=steps, batch_size=64,
        evaluation={"n_samples": 10000, "seed": 0, "classifier": classifier, "fid": fid_reference},
        dataset=dataset_card,
        description=f"Conditional GAN (Mirza & Osindero 2014) on DCGAN networks with a projection "
                    f"discriminator (Miyato & Koyama 2018), trained on {what}, 28x28 grayscale; "
                    f"sample(n, labels=...) picks the classes. Samples come from an exponential "
                    f"moving average (decay {ema_decay}) of G's weights.")


def main(argv):
    del argv
    train_conditional("cgan_mnist", "mnist", recipe_flags.MNIST_DATASET, recipe_flags.MNIST_FID, "classifier_mnist",
                      "MNIST digits", steps=5000, ema_decay=0.999)


if __name__ == "__main__":
    app.run(main)
