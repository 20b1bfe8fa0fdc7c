"""StarGAN (Choi et al. 2018): one generator that edits many attributes of a face.

G(x, c) reads the image with the target attribute vector c tiled as extra channels: a 7x7
convolution, two stride-2 4x4 convolutions, `blocks` residual blocks (6 in the paper at 128 px),
two stride-2 4x4 transposed convolutions and a 7x7 convolution to tanh; instance norm and ReLU
after every convolution but the last. D is a PatchGAN without normalisation (4x4 stride-2
convolutions, LeakyReLU 0.01, down to a 2x2 map as the paper's 128 px one) with two heads: a 3x3
convolution to real/fake patch logits, and a convolution whose kernel covers the whole final map
to one logit per attribute (an auxiliary classifier).

D minimises the Wasserstein loss + 10 x gradient penalty + 1 x the attribute BCE of real images
against their true attributes; G the Wasserstein loss + 1 x the BCE of its edits against their
target attributes + 10 x the L1 of G(G(x, c_target), c_original) against x. Targets are the
batch's real attribute vectors in a random order, as in the authors' code. D steps 5 times per G
step; Adam(1e-4, 0.5, 0.999), linearly down to 0 over the second half with compile(total_steps=...).

Each D step reads its own batch, as the authors draw one per iteration (critic_batches="fresh": a
training step reads 5 batches; "shared" runs all 5 on one batch, which lets D's classifier fit those
16 faces 5 times over). Deviations (kept small): instance norm always uses each image's own statistics
(the authors' layer tracks running ones); a target row whose hair colours are not exactly one (CelebA faces with no listed
colour, or two) gets one colour at random, so that the hair group is one-hot in every target.
Options beyond the paper, against a D that memorises a small training set: augment="translation,cutout"
(DiffAugment before both of D's heads, on real and edited faces alike; the gradient penalty reads plain
images), and with augment_heads="classifier" only the attribute classifier's real faces are augmented
(the real/fake game and G's terms read plain images: on CelebA's 9,000 faces augmenting both heads
left G's faces far behind at equal steps); augment_heads="classifier_and_edits" also gives G's
classification term its edits augmented, so that G is judged by the classifier on the kind of image it
learnt from, and a change that only the plain image carries (a pattern a shift or a cutout breaks)
does not pass for the attribute (the teacher below reads them so too). lambda_teacher > 0 adds to G's
classification term frozen attribute classifiers' reading of its edits (build_attribute_teacher,
attach_teacher): D's classifier learns beside G, and on a small training set G found edits that it reads
as the target and a judge trained on real faces does not (docs/stargan_runs.md); a classifier trained
once on the real faces cannot be moved; each teacher may teach only some attributes (attach_teacher's
`taught`: those it reads reliably, so that G does not chase a reader near chance). edit_mask=True
(GANimation's attention, Pumarola et al. 2018) has G draw a one-channel mask m beside its image C and
return m * C + (1 - m) * x: where m is 0 the input's own
pixels pass unchanged, so what an edit does not touch keeps the input's detail instead of G's redrawing;
G's loss adds lambda_mask_tv x the mask's total variation (GANimation's 1e-5) so that m is smooth, and
lambda_mask_decided x the mean of m (1 - m) (not in GANimation; 0 by default) so that m is 0 or 1 rather
than in between, where a faint copy of G's drawing shows through.
upsample_blur=True puts a fixed [1, 2, 1] x [1, 2, 1] / 16 blur after each of G's stride-2 transposed
convolutions (as StyleGAN's upsampling does): their four output phases have kernels of their own, which
draw a checkered pattern of period 2 that the blur removes exactly (Odena et al. 2016); G then draws
through the blur, and drew less (docs/stargan_runs.md). resize_upsample=True instead doubles each map by
nearest neighbours and convolves it 3x3 (Odena et al.'s resize-convolution): no output phase has a kernel
of its own, and nothing blurs what G draws (from step 0 here it still drew a fine grid by step 1,500, and the
bands below: docs/stargan_runs.md).
chroma_sigma > 0 (pixels) blurs the colour of what G changes, not its brightness: G returns x + chroma_blur(edit - x)
(each channel of the change minus its BT.601 luma Gaussian-blurred, the luma added back unchanged): hair keeps
its colour and the face its detail, while thin lines of colour a few pixels wide, such as the pink, green and
blue ones G drew at eyes, brows and mouth, cannot be drawn. After the edit mask, not before: with the drawing
alone blurred (the first try), such lines still showed 500 steps on, which sharp edges of the mask can draw.
Trained with it, G drew the same colours as wider blots (docs/stargan_runs.md). No weights, so a run can go
on from a snapshot without it.
local_critic=True gives D a second real/fake head on its resolution/8 map (8x8 at 64 px; each logit sees
about 38 px), beside the paper's on the 2x2 map that sees the whole face: texture such as faint stripes
over a face is judged where it is (pix2pix's PatchGAN reasoning). The Wasserstein losses of the two heads
add, and the gradient penalty reads their sum (combined_critic); the head costs one 3x3 convolution. Added
to a trained run, it did not tell G's faint bands from faces within 2,000 steps (docs/stargan_runs.md).
detail_critic=True (not in the paper) gives D a real/fake head with layers of its own that reads only
detail_channels: the luma's fine detail and the colour, not the face's coarse layout. The bands and colour
fringes G drew for its attribute readers are a few grey levels over the whole face, which D's shared layers
(learning the face and its attributes) and the local critic did not tell from faces; this head sees nothing
else. A critic, not a penalty: it weighs detail and colour that real faces lack, not the edit's size. Its
Wasserstein loss adds to the others as the local critic's does. Added to a trained run, it barely told them
from faces within 2,000 steps either (docs/stargan_runs.md).
lambda_g_cls (None: lambda_cls, the paper's one weight) weighs D's classifier in G's loss apart from D's own
term: 0 leaves G to the frozen teachers, with D's classifier still trained (edit() reads a face's own
attributes with it). D's classifier learns beside G, and G drew faint horizontal bands over faces that it
read in part (blurring the bands away lowered its reading of the edits by up to 6 points more than the
same blur along the rows: docs/stargan_runs.md).
reconstruction_through_mask_only=True (with edit_mask; not in the paper): the reconstruction's gradient
reaches the first pass through its mask only, G's drawing there being a constant: a drawing that gets no
gradient from the way back has no reason to hide a code for it (CycleGAN's steganography, Chu et al. 2017),
while the mask still learns to keep what an edit need not touch. Built to test whether faint bands that G
drew over faces were such a code; a probe found none that training keeps (docs/stargan_runs.md).
lambda_kept_colour > 0 (not in the paper) adds that weight x the mean absolute colour (each channel of the change
minus its luma) of the edits whose target keeps the face's hair colour (kept_hair_colour_change): an edit of sex or
age alone needs no colour (the judge reads sex nearly as well in grey), so colour there is a blot such as the pink
lips and purple eyes G drew for its readers. kept_colour_box = (top, bottom, left, right), fractions of the side,
adds the colour every edit changes in that box: on aligned faces, where eyes, nose and mouth are and no hair is.
"""

import difflib
import numbers

import keras
import numpy as np
from keras import layers, ops

from ganzoo import images as image_utils
from ganzoo.core.gan import GAN, check_parameter_budget, check_positive_int, no_grad, scale_images
from ganzoo.core.layers import instance_norm
from ganzoo.core.objectives import gradient_penalty, input_gradients
from ganzoo.families import register_family
from ganzoo.families.cyclegan import decaying_learning_rates
from ganzoo.paired import LUMA

ATTRIBUTES = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young")
HAIR_GROUP = ("Black_Hair", "Blond_Hair", "Brown_Hair")


# --- losses and targets: pure functions --------------------------------------------------------
def attribute_classification_loss(logits, targets, weights=None):
    """The mean over images of the summed per-attribute BCE of sigmoid(logits) against 0/1 targets
    (the authors' binary_cross_entropy_with_logits(size_average=False) / batch size); `weights` (A,),
    if given, weighs each attribute's BCE in the sum (0 leaves it out)."""
    logits, targets = ops.cast(logits, "float32"), ops.cast(targets, "float32")
    bce = ops.softplus(logits) - logits * targets
    if weights is not None:
        bce = bce * ops.cast(ops.convert_to_tensor(weights), "float32")
    return ops.mean(ops.sum(bce, axis=-1))


def random_target_attributes(attributes, hair_columns, seed=None):
    """The rows of `attributes` (N, A) in a random order; in each row the `hair_columns` are made
    one-hot (a random colour where the row has none or several): the targets of a training step."""
    attributes = ops.cast(attributes, "float32")
    n, count = ops.shape(attributes)[0], int(attributes.shape[1])
    targets = ops.take(attributes, ops.argsort(keras.random.uniform((n,), seed=seed)), axis=0)
    if not hair_columns:
        return targets
    hair = ops.take(targets, hair_columns, axis=1)
    drawn = ops.one_hot(keras.random.randint((n,), 0, len(hair_columns), seed=seed), len(hair_columns))
    hair = ops.where(ops.sum(hair, axis=1, keepdims=True) == 1.0, hair, drawn)
    placement = ops.one_hot(ops.convert_to_tensor(hair_columns, "int32"), count)  # (hair colours, A)
    return targets * (1.0 - ops.sum(placement, axis=0)) + ops.matmul(hair, placement)


def masked_edit(mask, drawn, image):
    """mask * drawn + (1 - mask) * image: G's drawing where the mask is 1, the input where it is 0."""
    return mask * drawn + (1.0 - mask) * image


def total_variation(mask):
    """The mean over images of the summed absolute differences between neighbouring mask values (N, H, W, 1)
    (GANimation's smoothness term)."""
    mask = ops.cast(mask, "float32")
    across = ops.sum(ops.abs(mask[:, :, 1:] - mask[:, :, :-1]), axis=(1, 2, 3))
    down = ops.sum(ops.abs(mask[:, 1:] - mask[:, :-1]), axis=(1, 2, 3))
    return ops.mean(across + down)


def mask_indecision(mask):
    """The mean of m (1 - m) over a mask's values: 0 where each is 0 or 1 (G's drawing shown whole or not at
    all), at most 0.25 (every value 0.5). Its gradient 1 - 2m pushes each value to the nearer of 0 and 1."""
    mask = ops.cast(mask, "float32")
    return ops.mean(mask * (1.0 - mask))


def separable_blur(images, taps):
    """Each channel of (N, H, W, C) convolved with the 1-D kernel `taps` (odd length) down the columns and along
    the rows, edges reflected."""
    channels, radius = images.shape[-1], len(taps) // 2
    for kernel, padding in ((np.asarray(taps)[:, None], [[0, 0], [radius, radius], [0, 0], [0, 0]]),
                            (np.asarray(taps)[None, :], [[0, 0], [0, 0], [radius, radius], [0, 0]])):
        kernel = np.tile(kernel[:, :, None, None], (1, 1, channels, 1))
        images = ops.depthwise_conv(ops.pad(images, padding, mode="reflect"), ops.cast(kernel, images.dtype),
                                    strides=1, padding="valid")
    return images


def binomial_blur(images):
    """Each channel of (N, H, W, C) convolved with [1, 2, 1] x [1, 2, 1] / 16, edges reflected: a pattern
    of period 2 (a checkerboard) becomes flat, a flat image stays as it is."""
    return separable_blur(ops.convert_to_tensor(images), np.array([1.0, 2.0, 1.0]) / 4.0)


class BinomialBlur(layers.Layer):
    """binomial_blur as a layer (no weights)."""

    def call(self, images):
        return binomial_blur(images)


# ITU-R BT.601's luma weights (paired.LUMA); they sum to 1, so an RGB image minus its luma has none
LUMA_WEIGHTS = LUMA


def gaussian_taps(sigma):
    """A normalised Gaussian of standard deviation `sigma` pixels, cut at 3 sigma."""
    radius = max(1, int(np.ceil(3.0 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    return taps / taps.sum()


def luma(images):
    """RGB images (N, H, W, 3) -> their BT.601 luma (N, H, W, 1): the brightness, no colour."""
    images = ops.convert_to_tensor(images)
    return ops.sum(images * ops.cast(np.array(LUMA_WEIGHTS), images.dtype), axis=-1, keepdims=True)


def chroma_blur(images, sigma):
    """RGB images (N, H, W, 3) with their luma kept exactly and their colour (each channel minus the luma)
    blurred by a Gaussian of `sigma` pixels, edges reflected: fine colour fringes fade, brightness detail and
    flat colour stay. Natural images hold little colour at fine scales (JPEG stores it at half resolution)."""
    brightness = luma(images)
    return brightness + separable_blur(ops.convert_to_tensor(images) - brightness, gaussian_taps(sigma))


def box_mask(resolution, box):
    """A (resolution, resolution, 1) float32 array: 1 inside `box` = (top, bottom, left, right) as fractions
    of the image's side, rounded to whole pixels, 0 outside."""
    top, bottom, left, right = (int(round(f * resolution)) for f in box)
    mask = np.zeros((resolution, resolution, 1), np.float32)
    mask[top:bottom, left:right] = 1.0
    return mask


def kept_hair_colour_change(edited, images, original, targets, hair_columns, face_box=None):
    """The mean over a batch's pixels of the absolute colour (each channel minus the luma, averaged over the
    channels) by which `edited` differs from `images`, counting the whole of each edit whose target keeps the
    face's own hair colour, and of the others only what lies in `face_box` (top, bottom, left, right as
    fractions; None: nothing): an edit of sex or age alone needs no colour, and where no hair grows (the eyes,
    nose and mouth of an aligned face) neither does a hair colour's; colour there is a blot."""
    change = ops.convert_to_tensor(edited, "float32") - ops.convert_to_tensor(images, "float32")
    colour = ops.mean(ops.abs(change - luma(change)), axis=-1, keepdims=True)  # (N, H, W, 1)
    original, targets = ops.cast(original, "float32"), ops.cast(targets, "float32")
    if hair_columns:
        kept = ops.all(ops.take(targets, hair_columns, axis=1) == ops.take(original, hair_columns, axis=1), axis=1)
    else:  # no hair colour to change: every edit keeps it
        kept = ops.ones((ops.shape(colour)[0],), "bool")
    kept = ops.reshape(ops.cast(kept, "float32"), (-1, 1, 1, 1))
    where = kept if face_box is None else kept + (1.0 - kept) * box_mask(int(colour.shape[1]), face_box)
    return ops.mean(colour * where)


class Luma(layers.Layer):
    """Faces (N, H, W, 3) -> their luma (N, H, W, 1), for a reader that must not see colour (no weights)."""

    def call(self, images):
        return luma(images)


def detail_channels(images):
    """RGB images (N, H, W, 3) -> (N, H, W, 3): the luma less its binomial_blur (fine brightness detail:
    a band of period 2 passes whole, a flat or smoothly shaded face gives about 0), then red and blue less
    the luma (the colour; green's follows from them). What detail_critic reads: the faint bands and colour
    fringes that G drew over faces, with the face's coarse layout left out."""
    images = ops.convert_to_tensor(images)
    brightness = luma(images)
    return ops.concatenate([brightness - binomial_blur(brightness), images[..., :1] - brightness,
                            images[..., 2:] - brightness], axis=-1)


class DetailChannels(layers.Layer):
    """detail_channels as a layer (no weights)."""

    def call(self, images):
        return detail_channels(images)


class ChromaBlurredChange(layers.Layer):
    """[edited, image] -> image + chroma_blur(edited - image, sigma): the change's colour blurred, its luma
    kept (no weights)."""

    def __init__(self, sigma, **kwargs):
        super().__init__(**kwargs)
        self.sigma = float(sigma)

    def call(self, inputs):
        edited, image = inputs
        return image + chroma_blur(edited - image, self.sigma)

    def get_config(self):
        return {**super().get_config(), "sigma": self.sigma}


# --- networks -------------------------------------------------------------------------------------
def _conv_norm_relu(x, filters, kernel, name, strides=1, transpose=False, blur=False, resize=False):
    conv = layers.Conv2DTranspose if transpose else layers.Conv2D
    if resize:  # nearest-neighbour doubling, then a 3x3 convolution: one kernel for every output pixel
        x = layers.UpSampling2D(strides, interpolation="nearest", name=f"{name}_resize")(x)
        conv, kernel, strides = layers.Conv2D, 3, 1
    # no bias: instance norm subtracts it with the mean
    x = conv(filters, kernel, strides=strides, padding="same", use_bias=False, name=name)(x)
    if blur:
        x = BinomialBlur(name=f"{name}_blur")(x)
    return layers.ReLU()(instance_norm(f"{name}_norm")(x))


class MaskedEdit(layers.Layer):
    """[mask, drawn, image] -> masked_edit(mask, drawn, image)."""

    def call(self, inputs):
        return masked_edit(*inputs)


def build_generator(resolution, attributes, width, blocks, edit_mask=False, upsample_blur=False,
                    resize_upsample=False, chroma_sigma=0.0):
    image = keras.Input((resolution, resolution, 3), name="image")
    target = keras.Input((attributes,), name="attributes")
    # nearest upsampling of a 1x1 map tiles the vector over every pixel
    tiled = layers.UpSampling2D(resolution, name="tiled_attributes")(layers.Reshape((1, 1, attributes))(target))
    x = layers.Concatenate(name="image_and_attributes")([image, tiled])
    x = _conv_norm_relu(x, width, 7, "c7s1")
    for i in (1, 2):
        x = _conv_norm_relu(x, width * 2**i, 4, f"down{i}", strides=2)
    for i in range(blocks):
        y = _conv_norm_relu(x, width * 4, 3, f"res{i}_a")
        y = layers.Conv2D(width * 4, 3, padding="same", use_bias=False, name=f"res{i}_b")(y)
        x = layers.Add(name=f"res{i}")([x, instance_norm(f"res{i}_b_norm")(y)])
    for i in (1, 0):
        x = _conv_norm_relu(x, width * 2**i, 4, f"up{i}", strides=2, transpose=True, blur=upsample_blur,
                            resize=resize_upsample)
    drawn = layers.Conv2D(3, 7, padding="same", use_bias=False, name="to_image")(x)
    drawn = layers.Activation("tanh", dtype="float32", name="tanh")(drawn)
    if edit_mask:
        # starts at m = sigmoid(3) = 0.95 everywhere: the paper's G (or a trained one's weights) nearly
        # unchanged, from which the mask learns where the input can stay
        mask = layers.Conv2D(1, 7, padding="same", activation="sigmoid", kernel_initializer="zeros",
                             bias_initializer=keras.initializers.Constant(3.0), dtype="float32", name="edit_mask")(x)
        drawn = MaskedEdit(dtype="float32", name="masked_edit")([mask, drawn, image])
    if chroma_sigma:  # after the mask: a sharp edge of the mask could otherwise draw a thin line of colour
        drawn = ChromaBlurredChange(chroma_sigma, dtype="float32", name="chroma_blur")([drawn, image])
    return keras.Model([image, target], drawn, name="generator")


def discriminator_layers(resolution):
    """Stride-2 layers down to a 2x2 map: 6 at 128 px as in the paper, 5 at 64 px."""
    return resolution.bit_length() - 2


LOCAL_CRITIC_LAYER = 2  # the local critic reads the map after the third stride-2 layer: resolution / 8


DETAIL_CRITIC_LAYERS = 3  # the detail critic's stride-2 layers: logits on a resolution/8 map


def build_discriminator(resolution, attributes, width, local_critic=False, detail_critic=False):
    """[patch logits (N, 2, 2, 1), attribute logits (N, A)], and with local_critic a third output:
    real/fake logits on the finer resolution/8 map (each sees about 38 px: texture, not the whole face);
    with detail_critic a last one: real/fake logits on a resolution/8 map from layers of its own that read
    detail_channels alone."""
    image = keras.Input((resolution, resolution, 3), name="image")
    detail_outputs = []
    if detail_critic:  # in float32: the bands are a few grey levels, below bfloat16's step near 1
        x = DetailChannels(dtype="float32", name="detail_channels")(image)
        for i in range(DETAIL_CRITIC_LAYERS):
            x = layers.LeakyReLU(0.01)(layers.Conv2D(width * 2**i, 4, strides=2, padding="same",
                                                     name=f"detail_conv{i}")(x))
        detail_outputs.append(layers.Conv2D(1, 3, padding="same", use_bias=False, dtype="float32",
                                            name="detail_patch_logits")(x))
    x, outputs = image, []
    for i in range(discriminator_layers(resolution)):
        x = layers.Conv2D(width * 2**i, 4, strides=2, padding="same", name=f"conv{i}")(x)
        x = layers.LeakyReLU(0.01)(x)
        if local_critic and i == LOCAL_CRITIC_LAYER:
            outputs.append(layers.Conv2D(1, 3, padding="same", use_bias=False, dtype="float32",
                                         name="local_patch_logits")(x))
    patches = layers.Conv2D(1, 3, padding="same", use_bias=False, dtype="float32", name="patch_logits")(x)
    classes = layers.Conv2D(attributes, 2, use_bias=False, dtype="float32", name="attribute_conv")(x)
    classes = layers.Reshape((attributes,), name="attribute_logits")(classes)
    return keras.Model(image, [patches, classes, *outputs, *detail_outputs], name="discriminator")


def combined_critic(heads):
    """One critic score map per example from D's real/fake heads [(N, h_i, w_i, 1)]: each head's
    mean, summed, times the first head's patch count. With one head this is its sum, which the
    gradient penalty has always read; with the local head, the critic whose Wasserstein loss is the
    heads' losses summed (each a mean over its patches), at the scale of the first."""
    if len(heads) == 1:
        return heads[0]
    patches = float(np.prod(heads[0].shape[1:]))
    return patches * sum(ops.mean(head, axis=(1, 2, 3)) for head in heads)


TEACHER_KINDS = ("pooled", "layout", "pooled_luma", "layout_luma", "coarse")


def build_attribute_teacher(resolution, attributes, width=32, kind="pooled"):
    """A frozen attribute classifier of lambda_teacher: logits (N, attributes) of faces in [-1, 1] (G's
    output). kind "pooled" reads each face averaged down to half size through three conv blocks and a
    global average: colour and texture wherever they are, and a fine pattern cannot pass for an attribute.
    "layout" reads the full-size face through four conv blocks and a dense layer over the last map: where
    things are (hair around the face), as a classifier with a dense head does. Two different kinds
    together (attach_teacher) leave G fewer edits that fool them all and not another classifier.
    "pooled_luma" and "layout_luma" read the face's luma alone: a teacher of sex and age that cannot see
    colour, so that G cannot pass a colour blot for them (the judge reads them from shape and shading).
    "coarse" reads the face averaged down to a quarter of its size (16 px at 64) through two conv blocks:
    a mark thinner than 4 px is averaged into its block, so only what changes the face at that scale
    (hair colour over an area, the face's shape and shading) can move it.
    RandomFlip and RandomTranslation act in training only (train_attribute_teacher)."""
    if kind not in TEACHER_KINDS:
        raise ValueError(f"kind must be one of {', '.join(TEACHER_KINDS)}, got {kind!r}.")
    image = keras.Input((resolution, resolution, 3), name="image")
    x = layers.RandomTranslation(0.1, 0.1, fill_mode="nearest", name="shift")(layers.RandomFlip("horizontal")(image))
    if kind.endswith("_luma"):
        x = Luma(name="luma")(x)
    if kind.startswith("pooled"):
        x = layers.AveragePooling2D(2, name="half_size")(x)
    elif kind == "coarse":
        x = layers.AveragePooling2D(4, name="quarter_size")(x)
    for i in range({"coarse": 2}.get(kind, 3 if kind.startswith("pooled") else 4)):
        for j in "ab":
            x = layers.Conv2D(width * 2**i, 3, padding="same", activation="relu", name=f"conv{i}{j}")(x)
        x = layers.BatchNormalization(name=f"norm{i}")(layers.MaxPooling2D(name=f"pool{i}")(x))
    x = layers.Flatten()(x) if kind.startswith("layout") else layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.3)(x)
    return keras.Model(image, layers.Dense(attributes, dtype="float32", name="attribute_logits")(x),
                       name=f"attribute_teacher_{kind}")


def adversarial_faces(teacher, faces, attributes, epsilon, seed=None):
    """Faces in [-1, 1] moved at most `epsilon` per pixel (L-inf) the way that most raises the
    teacher's attribute_classification_loss against their own attributes: one signed-gradient step
    of 1.25 epsilon from a random start (FGSM with a random start, Wong et al. 2020), kept in [-1, 1]."""
    faces = ops.convert_to_tensor(faces, "float32")
    attributes = ops.convert_to_tensor(attributes, "float32")
    start = faces + keras.random.uniform(ops.shape(faces), -epsilon, epsilon, seed=seed)
    grads = input_gradients(lambda x: attribute_classification_loss(teacher(x, training=False), attributes), start)
    moved = ops.clip(start + 1.25 * epsilon * ops.sign(ops.stop_gradient(grads)) - faces, -epsilon, epsilon)
    return ops.stop_gradient(ops.clip(faces + moved, -1.0, 1.0))


def teacher_steps(teacher, faces, targets, budget, steps=20, weights=None):
    """Faces in [-1, 1] moved by projected gradient steps (Madry et al. 2018, in L2: each step 2.5 budget /
    steps along the normalised gradient) to lower the teacher's attribute_classification_loss against
    `targets`, each kept within an L2 distance `budget` of itself and in [-1, 1]: how the teacher alone
    would change a face. A teacher whose steps another classifier (the judge) follows at a small budget is
    one G can satisfy with a change a person sees (scripts/teacher_transfer.py)."""
    faces = ops.convert_to_tensor(faces, "float32")
    targets = ops.convert_to_tensor(targets, "float32")

    def norm(t):
        return ops.sqrt(ops.sum(ops.square(t), axis=(1, 2, 3), keepdims=True)) + 1e-12

    moved = faces
    for _ in range(steps):
        grads = ops.stop_gradient(input_gradients(
            lambda x: attribute_classification_loss(teacher(x, training=False), targets, weights), moved))
        change = moved - (2.5 * budget / steps) * grads / norm(grads) - faces
        moved = ops.stop_gradient(ops.clip(faces + change * ops.minimum(1.0, budget / norm(change)), -1.0, 1.0))
    return moved


def parse_teacher(item):
    """'layout' -> ('layout', 0.0); 'layout:0.0627' -> ('layout', 0.0627), a teacher adversarially trained
    at that epsilon; ValueError naming the valid kinds otherwise."""
    kind, _, epsilon = item.partition(":")
    try:
        epsilon = float(epsilon) if epsilon else 0.0
    except ValueError:
        epsilon = -1.0
    if kind not in TEACHER_KINDS or not 0.0 <= epsilon < 1.0:
        raise ValueError(f"A teacher is KIND or KIND:EPSILON with KIND one of {', '.join(TEACHER_KINDS)} and "
                         f"0 <= EPSILON < 1, got {item!r}.")
    return kind, epsilon


def teacher_label(kind, epsilon=0.0):
    """parse_teacher's inverse: the name --stargan_teachers gives a teacher ('pooled', 'layout:0.0627')."""
    return f"{kind}:{epsilon:g}" if epsilon else kind


def teacher_file_stem(kind, epsilon=0.0):
    """The name a run folder keeps a teacher under: attribute_teacher_KIND[_epsEPSILON](.weights.h5, .json)."""
    return f"attribute_teacher_{kind}" + (f"_eps{epsilon:g}" if epsilon else "")


def teacher_files(folder, kind, epsilon=0.0):
    """(weights, record) paths of a teacher kept in a run folder under teacher_file_stem: its weights and the
    JSON with its held-out balanced accuracies."""
    from pathlib import Path

    stem = teacher_file_stem(kind, epsilon)
    return Path(folder) / f"{stem}.weights.h5", Path(folder) / f"{stem}.json"


def load_attribute_teacher(folder, kind, epsilon=0.0, resolution=64, attributes=len(ATTRIBUTES)):
    """(teacher, its held-out balanced accuracies) kept in `folder` (teacher_files, as
    recipes/stargan_celeba.py keeps them), or None where the folder has none."""
    import json

    saved, record = teacher_files(folder, kind, epsilon)
    if not saved.exists():
        return None
    teacher = build_attribute_teacher(resolution, attributes, kind=kind)
    teacher.load_weights(saved)
    return teacher, json.loads(record.read_text())["held_out_balanced_accuracy"]


def train_attribute_teacher(faces, attributes, epochs=12, batch_size=64, seed=0, width=32, kind="pooled",
                            epsilon=0.0):
    """build_attribute_teacher trained on uint8 faces (N, r, r, 3) and their 0/1 attributes (N, A) with
    attribute_classification_loss, then frozen. epsilon > 0 trains it on adversarial_faces instead
    (adversarial training): a classifier that small changes cannot move, whose gradients G then
    follows towards changes a person would also see (Santurkar et al. 2019), not towards a pattern that
    fools this classifier alone."""
    keras.utils.set_random_seed(seed)
    teacher = build_attribute_teacher(faces.shape[1], attributes.shape[1], width, kind)
    teacher.compile(keras.optimizers.Adam(1e-3), lambda truth, logits: attribute_classification_loss(logits, truth))
    faces, attributes = image_utils.from_uint8(faces), np.asarray(attributes, np.float32)
    if not epsilon:
        teacher.fit(faces, attributes, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=2)
    else:
        rng, seeds, attack = np.random.default_rng(seed), keras.random.SeedGenerator(seed), adversarial_faces
        if keras.backend.backend() == "tensorflow":  # a traced attack takes half the time of an eager one
            import tensorflow as tf

            attack = tf.function(adversarial_faces, reduce_retracing=True)
        batches = -(-len(faces) // batch_size)
        for epoch in range(epochs):
            print(f"Epoch {epoch + 1}/{epochs} (adversarial faces, epsilon {epsilon})")
            bar, order = keras.utils.Progbar(batches, verbose=2), rng.permutation(len(faces))
            for i in range(batches):
                rows = order[i * batch_size : (i + 1) * batch_size]
                moved = attack(teacher, faces[rows], attributes[rows], epsilon, seed=seeds)
                loss = teacher.train_on_batch(moved, attributes[rows])
                bar.update(i + 1, [("loss", float(loss))])
    teacher.trainable = False
    return teacher


def parameter_estimate(resolution, attributes, width, blocks):
    """About how many weights G and D have together (nothing built)."""
    w = width
    generator = (49 * (3 + attributes) * w + 16 * (w * 2 * w + 2 * w * 4 * w) * 2 + blocks * 2 * 9 * (4 * w) ** 2
                 + 49 * w * 3)
    filters = [3] + [w * 2**i for i in range(discriminator_layers(resolution))]
    discriminator = sum(16 * a * b for a, b in zip(filters, filters[1:])) + filters[-1] * (9 + 4 * attributes)
    return generator + discriminator


def _check_bool(value, name):
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}.")


def _check_name(name, names, what="attribute"):
    if name not in names:
        close = difflib.get_close_matches(str(name), list(names), n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"Unknown {what} {name!r}.{hint} This model edits: {', '.join(names)}.")


def check_box(box, name):
    """`box` as a tuple (top, bottom, left, right) of fractions of the image's side, or a ValueError."""
    try:
        top, bottom, left, right = (float(f) for f in box)
    except (TypeError, ValueError):
        raise ValueError(f"{name} is (top, bottom, left, right) as fractions of the image's side, "
                         f"e.g. (0.43, 0.85, 0.28, 0.72), got {box!r}.") from None
    if not (0.0 <= top < bottom <= 1.0 and 0.0 <= left < right <= 1.0):
        raise ValueError(f"{name}: need 0 <= top < bottom <= 1 and 0 <= left < right <= 1 (fractions of the "
                         f"image's side), got {box!r}.")
    return top, bottom, left, right


def check_targets(targets, attributes, hair_group):
    """Raise a ValueError unless {name: 0 or 1} names `attributes` and sets at most one hair colour, and
    does not clear one without setting another; the hair colours it sets to 1 (the CLI checks before loading)."""
    for name, value in targets.items():
        _check_name(name, attributes)
        if not isinstance(value, numbers.Real) or value not in (0, 1):
            raise ValueError(f"{name}={value!r}: attribute values are 0 or 1.")
    hair_set = [name for name in hair_group if targets.get(name) == 1]
    if len(hair_set) > 1:
        raise ValueError(f"A face has one hair colour at a time: {'=1, '.join(hair_set)}=1 sets {len(hair_set)}.")
    if not hair_set and any(name in targets for name in hair_group):
        cleared = next(name for name in hair_group if name in targets)
        raise ValueError(f"{cleared}=0 alone leaves no hair colour: set the colour wanted to 1 instead "
                         f"(one of {', '.join(hair_group)}), e.g. {next(h for h in hair_group if h != cleared)}=1.")
    return hair_set


@register_family("stargan")
class StarGAN(GAN):
    """Edits the `attributes` of 3-channel faces of one resolution with one generator.

    fit(faces, attributes): uint8 (N, r, r, 3) and (N, len(attributes)) 0/1 in the order of
    `attributes`. edit(faces, Blond_Hair=1) -> uint8 faces. `hair_group`: attributes of which a
    face has exactly one (setting one to 1 sets the others to 0).
    """

    default_optimizer_settings = {"learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.999}
    # Translation and cutout keep what a face's attributes are, so D's classifier can learn them from
    # augmented reals too; a colour jitter could turn black hair brown under its own label.
    augment_excludes = {"color": "hair colour is one of the attributes D classifies"}

    def __init__(self, resolution=128, width=64, blocks=6, attributes=ATTRIBUTES, hair_group=HAIR_GROUP,
                 lambda_cls=1.0, lambda_rec=10.0, lambda_gp=10.0, d_steps=5, objective="wasserstein", seed=None,
                 augment_heads="both", critic_batches="fresh", lambda_teacher=0.0, edit_mask=False,
                 lambda_mask_tv=1e-5, lambda_mask_decided=0.0, upsample_blur=False, local_critic=False,
                 detail_critic=False, reconstruction_through_mask_only=False, resize_upsample=False, lambda_g_cls=None,
                 chroma_sigma=0.0, lambda_kept_colour=0.0, kept_colour_box=None, **kwargs):
        super().__init__(objective=objective, seed=seed, critic_batches=critic_batches, **kwargs)
        if augment_heads not in ("both", "classifier", "classifier_and_edits"):
            raise ValueError(f"augment_heads must be 'both' (DiffAugment before the critic's two heads), "
                             f"'classifier' (augmented real faces for the attribute classifier only) or "
                             f"'classifier_and_edits' (and G's edits augmented for its classification term), "
                             f"got {augment_heads!r}.")
        if augment_heads != "both" and (self.augmenter is None or self.augmenter.adaptive):
            raise ValueError(f"augment_heads={augment_heads!r} needs augment (e.g. augment='translation,cutout') "
                             f"at a fixed probability (no augment_target: ADA watches the real/fake head).")
        self.augment_heads = augment_heads
        self.resolution = check_positive_int(resolution, "resolution")
        if self.resolution < 16 or self.resolution & (self.resolution - 1):
            raise ValueError(f"resolution must be a power of two, at least 16 (D halves it down to 2x2), "
                             f"got {resolution}.")
        self.width = check_positive_int(width, "width")
        self.blocks = check_positive_int(blocks, "blocks")
        self.attributes = [str(a) for a in attributes]
        if not self.attributes or len(set(self.attributes)) != len(self.attributes):
            raise ValueError(f"attributes must be distinct names, at least one, got {list(attributes)!r}.")
        self.hair_group = [str(a) for a in hair_group]
        for name in self.hair_group:
            _check_name(name, self.attributes, "hair_group attribute")
        if len(self.hair_group) == 1 or len(set(self.hair_group)) != len(self.hair_group):
            raise ValueError(f"hair_group must name none or at least two distinct attributes (exactly one of "
                             f"them at a time), got {self.hair_group!r}.")
        self.hair_columns = [self.attributes.index(name) for name in self.hair_group]
        for name, value in (("lambda_cls", lambda_cls), ("lambda_rec", lambda_rec), ("lambda_gp", lambda_gp),
                            ("lambda_g_cls", lambda_cls if lambda_g_cls is None else lambda_g_cls),
                            ("lambda_teacher", lambda_teacher), ("lambda_mask_tv", lambda_mask_tv),
                            ("lambda_mask_decided", lambda_mask_decided), ("lambda_kept_colour", lambda_kept_colour)):
            if not float(value) >= 0.0:
                raise ValueError(f"{name} must be >= 0, got {value!r}.")
        self.lambda_cls, self.lambda_rec, self.lambda_gp = float(lambda_cls), float(lambda_rec), float(lambda_gp)
        # G's weight on D's classifier reading its edits: lambda_cls as in the paper, unless set apart
        self.lambda_g_cls = None if lambda_g_cls is None else float(lambda_g_cls)
        self.lambda_teacher = float(lambda_teacher)
        self.lambda_kept_colour = float(lambda_kept_colour)
        self.kept_colour_box = None if kept_colour_box is None else check_box(kept_colour_box, "kept_colour_box")
        if self.kept_colour_box is not None and not self.lambda_kept_colour:
            raise ValueError("kept_colour_box extends lambda_kept_colour's term to every edit's box: it needs "
                             "lambda_kept_colour > 0.")
        _check_bool(edit_mask, "edit_mask")
        self.edit_mask, self.lambda_mask_tv = edit_mask, float(lambda_mask_tv)
        self.lambda_mask_decided = float(lambda_mask_decided)
        if self.lambda_mask_decided and not edit_mask:
            raise ValueError("lambda_mask_decided weighs the edit mask's indecision: it needs edit_mask=True.")
        _check_bool(upsample_blur, "upsample_blur")
        self.upsample_blur = upsample_blur
        _check_bool(resize_upsample, "resize_upsample")
        if resize_upsample and upsample_blur:
            raise ValueError("resize_upsample replaces the transposed convolutions whose pattern upsample_blur "
                             "removes: give one of them.")
        self.resize_upsample = resize_upsample
        if isinstance(chroma_sigma, bool) or not isinstance(chroma_sigma, numbers.Real) or \
                not 0.0 <= chroma_sigma <= self.resolution / 4:
            raise ValueError(f"chroma_sigma is the Gaussian blur of G's colour in pixels, from 0 (off) to "
                             f"resolution / 4 = {self.resolution / 4:g}, got {chroma_sigma!r}.")
        self.chroma_sigma = float(chroma_sigma)
        _check_bool(local_critic, "local_critic")
        self.local_critic = local_critic
        _check_bool(detail_critic, "detail_critic")
        self.detail_critic = detail_critic
        _check_bool(reconstruction_through_mask_only, "reconstruction_through_mask_only")
        if reconstruction_through_mask_only and not edit_mask:
            raise ValueError("reconstruction_through_mask_only stops the reconstruction's gradient at G's drawing "
                             "and lets it through the edit mask: it needs edit_mask=True.")
        if reconstruction_through_mask_only and self.chroma_sigma:
            raise ValueError("reconstruction_through_mask_only rebuilds the edit from the mask and G's drawing, "
                             "which chroma_sigma's blur of the change does not keep: give one of them.")
        self.reconstruction_through_mask_only = reconstruction_through_mask_only
        self.d_steps = check_positive_int(d_steps, "d_steps")
        sizes = dict(resolution=self.resolution, attributes=len(self.attributes), width=self.width, blocks=self.blocks)
        check_parameter_budget(self.family, sizes, parameter_estimate(**sizes))
        self.image_shape = (self.resolution, self.resolution, 3)
        self.generator = build_generator(self.resolution, len(self.attributes), self.width, self.blocks, edit_mask,
                                         upsample_blur, resize_upsample, self.chroma_sigma)
        if edit_mask:  # the same layers; [edit, mask, G's drawing] for G's loss; untracked like the teachers
            object.__setattr__(self, "generator_and_mask", keras.Model(
                self.generator.inputs, [self.generator.output, self.generator.get_layer("edit_mask").output,
                                        self.generator.get_layer("tanh").output]))
        self.discriminator = build_discriminator(self.resolution, len(self.attributes), self.width, local_critic,
                                                 detail_critic)
        self.trackers = {name: keras.metrics.Mean(name=name)
                         for name in ("gradient_penalty", "d_classification", "g_classification", "reconstruction",
                                      *(("teacher_classification",) if self.lambda_teacher else ()),
                                      *(("mask_share", "mask_variation") if edit_mask else ()),
                                      *(("mask_indecision",) if self.lambda_mask_decided else ()),
                                      *(("kept_colour",) if self.lambda_kept_colour else ()))}
        self.build()

    teachers, teacher_weights = (), ()  # training only, never in the model's weights: attach_teacher

    def attach_teacher(self, *teachers, taught=None):
        """Give G's classification term frozen attribute classifiers (train_attribute_teacher) whose mean
        reading of the edits it adds, weighted lambda_teacher. `taught`: for each teacher, the attributes
        whose reading counts (None: all of them), e.g. only those it reads reliably on held-out faces, so
        that G does not chase a reader near chance. Not tracked: checkpoints and shipped weights hold G
        and D alone, so a resumed run attaches them again."""
        if not teachers:
            raise ValueError("attach_teacher needs at least one teacher (train_attribute_teacher).")
        taught = [None] * len(teachers) if taught is None else list(taught)
        if len(taught) != len(teachers):
            raise ValueError(f"taught: one list of attributes per teacher ({len(teachers)}), got {len(taught)}.")
        for names in taught:
            if names is not None and not len(names):
                raise ValueError("taught: a teacher that teaches no attribute adds nothing; leave it out.")
            for name in names or ():
                _check_name(name, self.attributes)
        weights = tuple(None if names is None else np.array([name in names for name in self.attributes], np.float32)
                        for names in taught)
        expected = (self.image_shape, (len(self.attributes),))
        for teacher in teachers:
            if (tuple(teacher.input.shape[1:]), tuple(teacher.output.shape[1:])) != expected:
                raise ValueError(f"The teacher must read {self.image_shape} faces into {len(self.attributes)} "
                                 f"logits ({', '.join(self.attributes)}), got {teacher.input.shape} -> "
                                 f"{teacher.output.shape}.")
            teacher.trainable = False
        object.__setattr__(self, "teachers", tuple(teachers))  # bypasses Keras' tracking of sub-models
        object.__setattr__(self, "teacher_weights", weights)

    @property
    def metrics(self):
        return [*super().metrics, *self.trackers.values()]

    def get_config(self):
        return {"resolution": self.resolution, "width": self.width, "blocks": self.blocks,
                "attributes": list(self.attributes), "hair_group": list(self.hair_group),
                "lambda_cls": self.lambda_cls, "lambda_rec": self.lambda_rec, "lambda_gp": self.lambda_gp,
                **({} if self.lambda_g_cls is None else {"lambda_g_cls": self.lambda_g_cls}),
                "d_steps": self.d_steps, "critic_batches": self.critic_batches, "objective": self.objective,
                "seed": self.seed,
                **({} if self.augmenter is None else self.augmenter.gan_config()),
                **({} if self.augment_heads == "both" else {"augment_heads": self.augment_heads}),
                **({"lambda_teacher": self.lambda_teacher} if self.lambda_teacher else {}),
                **({"edit_mask": True, "lambda_mask_tv": self.lambda_mask_tv} if self.edit_mask else {}),
                **({"lambda_mask_decided": self.lambda_mask_decided} if self.lambda_mask_decided else {}),
                **({"lambda_kept_colour": self.lambda_kept_colour} if self.lambda_kept_colour else {}),
                **({"kept_colour_box": list(self.kept_colour_box)} if self.kept_colour_box else {}),
                **({"upsample_blur": True} if self.upsample_blur else {}),
                **({"resize_upsample": True} if self.resize_upsample else {}),
                **({"chroma_sigma": self.chroma_sigma} if self.chroma_sigma else {}),
                **({"local_critic": True} if self.local_critic else {}),
                **({"detail_critic": True} if self.detail_critic else {}),
                **({"reconstruction_through_mask_only": True} if self.reconstruction_through_mask_only else {})}

    def compile(self, g_optimizer=None, d_optimizer=None, total_steps=None, **kwargs):
        """As GAN.compile; total_steps (the length of training) turns on the paper's schedule:
        constant for the first half, then linearly down to 0."""
        if total_steps is not None:
            kwargs = decaying_learning_rates(self, total_steps, kwargs)
        super().compile(g_optimizer, d_optimizer, **kwargs)

    # -- training: fit(faces, attributes) -----------------------------------------------------------
    def check_attributes(self, attributes, n, what="attributes"):
        """`attributes` as a float32 (n, len(self.attributes)) array of 0/1, or a ValueError."""
        array = np.asarray(attributes)
        expected = (f"({n}, {len(self.attributes)}): one row per face, a 0/1 column per attribute "
                    f"({', '.join(self.attributes)})")
        if array.shape != (n, len(self.attributes)):
            raise ValueError(f"{what}: expected shape {expected}, got {array.shape}.")
        if array.dtype.kind not in "biuf" or not np.isin(array, (0, 1)).all():
            raise ValueError(f"{what}: expected 0/1 values (CelebA's -1 means 0), got {np.unique(array)[:6]}.")
        return array.astype(np.float32)

    def fit(self, x=None, y=None, *args, **kwargs):
        if isinstance(x, (tuple, list)) and len(x) == 2 and y is None:
            x, y = x
        if isinstance(x, np.ndarray):
            if y is None:
                raise ValueError("StarGAN trains on faces and their attributes: fit(faces, attributes).")
            y = self.check_attributes(y, len(x), "fit: the attributes")
        return super().fit(x, y, *args, **kwargs)

    def prepare_batch(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2 or data[1] is None:
            raise ValueError("StarGAN trains on (faces, attributes): call fit(faces, attributes) or give a "
                             "dataset of such pairs.")
        return {"images": scale_images(data[0], self.image_shape),
                "attributes": ops.reshape(ops.cast(data[1], "float32"), (-1, len(self.attributes)))}

    def random_targets(self, attributes):
        return random_target_attributes(attributes, self.hair_columns, self.seed_generator)

    @staticmethod
    def real_fake_heads(outputs):
        """D's real/fake logits among its outputs: the whole-face patches, then the local and detail ones if any."""
        return [outputs[0], *outputs[2:]]

    def discriminator_loss(self, batch):
        real, original = batch["images"], batch["attributes"]
        fake = ops.stop_gradient(self.generator([real, self.random_targets(original)], training=True))
        if self.augment_heads != "both":  # the real/fake game on plain images, as the paper's
            real_outputs = self.discriminator(real, training=True)
            real_classes = self.discriminator(self.augmenter.augment(real), training=True)[1]
            fake_outputs = self.discriminator(fake, training=True)
        else:
            real_outputs = self.discriminate(real, real=True)
            real_classes, fake_outputs = real_outputs[1], self.discriminate(fake)
        classification = attribute_classification_loss(real_classes, original)
        self.trackers["d_classification"].update_state(ops.stop_gradient(classification))
        adversarial = sum(self.d_objective(real_logits, fake_logits) for real_logits, fake_logits in
                          zip(self.real_fake_heads(real_outputs), self.real_fake_heads(fake_outputs)))
        loss = adversarial + self.lambda_cls * classification
        if not self.lambda_gp:  # a second backward pass saved
            return loss
        alpha = keras.random.uniform((ops.shape(real)[0], 1, 1, 1), seed=self.seed_generator)
        penalty = gradient_penalty(
            lambda x: combined_critic(self.real_fake_heads(self.discriminator(x, training=True))), real, fake, alpha)
        self.trackers["gradient_penalty"].update_state(ops.stop_gradient(penalty))
        return loss + self.lambda_gp * penalty

    def generator_loss(self, batch):
        real, original = batch["images"], batch["attributes"]
        targets = self.random_targets(original)
        if self.reconstruction_through_mask_only:  # the edit as it is, its drawing a constant on the way back
            fake, mask, drawing = self.generator_and_mask([real, targets], training=True)
            back, back_mask, _ = self.generator_and_mask(
                [masked_edit(mask, ops.stop_gradient(drawing), real), original], training=True)
        elif self.edit_mask:
            fake, mask, _ = self.generator_and_mask([real, targets], training=True)
            back, back_mask, _ = self.generator_and_mask([fake, original], training=True)
        else:
            fake = self.generator([real, targets], training=True)
            back = self.generator([fake, original], training=True)
        classified = fake  # what G's classification terms read
        if self.augment_heads == "both":
            fake_outputs = self.discriminate(fake)
        else:
            fake_outputs = self.discriminator(fake, training=True)
        fake_classes = fake_outputs[1]
        if self.augment_heads == "classifier_and_edits":
            classified = self.augmenter.augment(fake)
            fake_classes = self.discriminator(classified, training=True)[1]
        classification = attribute_classification_loss(fake_classes, targets)
        reconstruction = ops.mean(ops.abs(back - real))
        self.trackers["g_classification"].update_state(ops.stop_gradient(classification))
        self.trackers["reconstruction"].update_state(ops.stop_gradient(reconstruction))
        adversarial = sum(self.g_objective(logits) for logits in self.real_fake_heads(fake_outputs))
        g_cls = self.lambda_cls if self.lambda_g_cls is None else self.lambda_g_cls
        loss = adversarial + g_cls * classification + self.lambda_rec * reconstruction
        if self.edit_mask:  # both passes' masks kept smooth, as GANimation's
            variation = (total_variation(mask) + total_variation(back_mask)) / 2.0
            self.trackers["mask_share"].update_state(ops.stop_gradient(ops.mean(ops.cast(mask, "float32"))))
            self.trackers["mask_variation"].update_state(ops.stop_gradient(variation))
            loss = loss + self.lambda_mask_tv * variation
        if self.lambda_mask_decided:  # a half-on mask shows a faint copy of G's drawing, which D barely sees
            indecision = (mask_indecision(mask) + mask_indecision(back_mask)) / 2.0
            self.trackers["mask_indecision"].update_state(ops.stop_gradient(indecision))
            loss = loss + self.lambda_mask_decided * indecision
        if self.lambda_kept_colour:  # colour in an edit that keeps the hair's is a blot no reader should need
            colour = kept_hair_colour_change(fake, real, original, targets, self.hair_columns, self.kept_colour_box)
            self.trackers["kept_colour"].update_state(ops.stop_gradient(colour))
            loss = loss + self.lambda_kept_colour * colour
        if not self.lambda_teacher:
            return loss
        if not self.teachers:
            raise ValueError("lambda_teacher > 0 trains G against a frozen attribute classifier: attach one first, "
                             "model.attach_teacher(train_attribute_teacher(faces, attributes)) (as "
                             "recipes/stargan_celeba.py --stargan_teacher_weight does).")
        taught = sum(attribute_classification_loss(teacher(classified, training=False), targets, weights)
                     for teacher, weights in zip(self.teachers, self.teacher_weights)) / len(self.teachers)
        self.trackers["teacher_classification"].update_state(ops.stop_gradient(taught))
        return loss + self.lambda_teacher * taught

    # -- inference ------------------------------------------------------------------------------------
    def sample(self, *args, **kwargs):
        raise ValueError("A stargan model edits faces rather than sampling them: use edit(faces, Blond_Hair=1) "
                         "(command line: ganzoo edit NAME face.png --set Blond_Hair=1 -o out.png).")

    def read_attributes(self, faces, batch_size=64):
        """0/1 attributes (N, len(attributes)) of uint8 faces (N, r, r, 3) as D's classifier reads them:
        sigmoid > 0.5, and the hair group's most likely colour."""
        pending, self.pending_training_weights = getattr(self, "pending_training_weights", None), None
        if pending is not None:  # a zoo entry ships D apart: its classifier is needed now
            pending()
        faces = image_utils.check_uint8_images(faces, self.image_shape, what="read_attributes(faces)")
        with no_grad():
            logits = np.concatenate([ops.convert_to_numpy(self.discriminator(
                image_utils.from_uint8(faces[i : i + batch_size]), training=False)[1])
                for i in range(0, len(faces), check_positive_int(batch_size, "batch_size"))])
        read = (logits > 0.0).astype(np.float32)  # sigmoid(l) > 0.5
        if self.hair_columns:
            read[:, self.hair_columns] = np.eye(len(self.hair_columns))[logits[:, self.hair_columns].argmax(axis=1)]
        return read

    def target_attributes(self, own, **targets):
        """`own` (N, A) 0/1 with the named attributes set; a hair colour set to 1 clears the others."""
        hair_set = check_targets(targets, self.attributes, self.hair_group)
        wanted = np.array(own, np.float32, copy=True)
        if hair_set:
            wanted[:, self.hair_columns] = 0.0
        for name, value in targets.items():
            wanted[:, self.attributes.index(name)] = float(value)
        return wanted

    def edit(self, images, resize=False, attributes=None, batch_size=32, **targets):
        """uint8 faces (N, r, r, 3) or one (r, r, 3) with the named attributes set, e.g.
        edit(faces, Blond_Hair=1, Young=0); the same leading shape back, uint8. Attributes not named
        keep the faces' own: `attributes` (N, A) or (A,) 0/1, else what D's classifier reads.
        resize=True takes other sizes (short side to r, then a centre crop)."""
        self.target_attributes(np.zeros((1, len(self.attributes))), **targets)  # bad names fail first
        batch, single = image_utils.input_batch(images, self.image_shape, resize, what="edit(images)")
        if attributes is None:
            own = self.read_attributes(batch)
        else:
            own = np.asarray(attributes)
            own = self.check_attributes(own[None] if single and own.ndim == 1 else own, len(batch),
                                        "edit: the attributes")
        wanted = self.target_attributes(own, **targets)
        out = self.generate([image_utils.from_uint8(batch), wanted], check_positive_int(batch_size, "batch_size"),
                            network=self.generator)
        return out[0] if single else out

    def grid_edits(self):
        """(column label, edit keywords or a flip) of the paper's figure: each hair colour set, the others flipped."""
        return [*[(name, {name: 1}) for name in self.hair_group],
                *[(name, "flip") for name in self.attributes if name not in self.hair_group]]

    def edit_grid(self, faces, resize=False, attributes=None):
        """One uint8 image: a row per face, the face then each edit of grid_edits() (the paper's figure)."""
        batch, _ = image_utils.input_batch(faces, self.image_shape, resize, what="edit_grid(faces)")
        own = self.read_attributes(batch) if attributes is None else self.check_attributes(
            attributes, len(batch), "edit_grid: the attributes")
        columns = [batch]
        for name, change in self.grid_edits():
            if change == "flip":
                flipped = own.copy()
                flipped[:, self.attributes.index(name)] = 1.0 - flipped[:, self.attributes.index(name)]
                columns.append(self.edit(batch, attributes=flipped))
            else:
                columns.append(self.edit(batch, attributes=own, **change))
        return image_utils.grid(np.stack(columns, axis=1).reshape(-1, *self.image_shape), cols=len(columns))

    def aging_grid(self, faces, resize=False, attributes=None):
        """Face aging, one uint8 image: on the left young faces, each beside itself made old; on the
        right old faces, each beside itself made young (as many of each as the fewer; ages from
        `attributes`, else D's classifier)."""
        if "Young" not in self.attributes:
            raise ValueError(f"aging_grid needs a model that edits 'Young'; this one edits "
                             f"{', '.join(self.attributes)}.")
        batch, _ = image_utils.input_batch(faces, self.image_shape, resize, what="aging_grid(faces)")
        own = self.read_attributes(batch) if attributes is None else self.check_attributes(
            attributes, len(batch), "aging_grid: the attributes")
        young = own[:, self.attributes.index("Young")] == 1
        pairs = min(young.sum(), (~young).sum())
        if pairs == 0:
            raise ValueError(f"aging_grid needs young and old faces; these {len(batch)} are all "
                             f"{'young' if young.all() else 'old'}.")
        columns = []
        for chosen, target in ((young, 0), (~young, 1)):  # young -> old, then old -> young
            index = np.flatnonzero(chosen)[:pairs]
            columns += [batch[index], self.edit(batch[index], attributes=own[index], Young=target)]
        return image_utils.grid(np.stack(columns, axis=1).reshape(-1, *self.image_shape), cols=len(columns))

    def card_pictures(self):
        """aging.png: aging_grid of the preview faces, where they hold young and old faces."""
        faces, attributes = self._faces_and_attributes(self.preview_inputs)
        if faces is None or "Young" not in self.attributes:
            return {}
        own = self.read_attributes(faces) if attributes is None else np.asarray(attributes)
        young = own[:, self.attributes.index("Young")]
        return {"aging.png": self.aging_grid(faces, attributes=own)} if 0 < young.sum() < len(young) else {}

    preview_inputs = None  # faces, or (faces, attributes), that the training grids edit

    @staticmethod
    def _faces_and_attributes(inputs):
        """(faces, attributes or None) of preview-style inputs: faces, or (faces, attributes)."""
        return inputs if isinstance(inputs, tuple) else (inputs, None)

    def preview_grid(self, n=64, seed=0, inputs=None):
        """edit_grid of `inputs` / preview_inputs (else seeded noise): n // columns rows at most."""
        faces, attributes = self._faces_and_attributes(self.preview_inputs if inputs is None else inputs)
        rows = max(1, n // (1 + len(self.grid_edits())))
        if faces is None:
            faces = np.random.default_rng(seed).integers(0, 256, (rows, *self.image_shape), dtype=np.uint8)
        faces = image_utils.check_uint8_images(faces, self.image_shape, what="preview faces")
        index = np.arange(min(rows, len(faces)))
        return self.edit_grid(faces[index], attributes=None if attributes is None else np.asarray(attributes)[index])
