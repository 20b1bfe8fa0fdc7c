"""stargan_celeba: StarGAN editing hair colour (black, blond, brown), sex and age of 64x64 CelebA faces.

The paper's recipe (Choi et al. 2018) at 64 px instead of 128: its networks (6 residual blocks,
width 64; D down to a 2x2 map, so one stride-2 layer fewer), Wasserstein loss with gradient penalty
(10), classification (1) and reconstruction (10) terms, 5 D steps per G step, Adam(1e-4, 0.5, 0.999)
at batch 16, and the learning rate constant for the first half of the steps, then linearly to 0.
The paper's 200,000 iterations are D steps: 40,000 G steps here. The training faces are the first
9,000 with their five attributes as the file gives them; targets are the batch's attribute vectors in
a random order, with one hair colour drawn for the 42% of faces that have none of the three (or two).
The grids edit 8 held-out faces (4 young, 4 old: the card's aging picture), with their true attributes.

    python recipes/stargan_celeba.py --export

Critic steps at equal CPU (2026-12-02: width 32, batch 16, float32, 80 minutes of one core each,
then `scripts/checkpoint_edits.py --n=200`): 5 critic steps reached generator step 1,400, edits FID
332, 48-93% of edits read as the target; 1 critic step reached step 2,600, FID 277, 48-76%, with
visibly cleaner faces. Both are early (identity barely kept yet), and the long run takes 1 critic step.
bfloat16 against float32 (same settings, one core each): 0.85 against 1.18 s a step alone; at
generator step 2,500 the bfloat16 run's edits had FID 292 and 50-82% read as the target, the float32
run's at 2,600 FID 277 and 48-76% (same script): close at equal steps (the run-to-run spread of
two float32 runs was not measured), so the long run is
    python recipes/stargan_celeba.py --stargan_width=32 --stargan_d_steps=1 --steps=20000 \
        --mixed_precision=bfloat16 --export
That run (2026-12-02/03, 20,000 steps) was not shipped: identity kept (identity_top1 0.19-0.39) and
edits FID 123, but its edits were too faint, read as the target on 18-81% of 200 held-out faces
(hair 30-38%, Male 28/38%, Young=0 18%); at step 2,500 they were read 50-82%, at 15,000 24-76%: as the
reconstruction term took over, G found small changes that D's classifier reads and the judge does not.
Its D classified its own training faces at a summed BCE of 0.05 over the five attributes (log.csv,
d_classification), far below what CelebA's labels allow: memorised. Against that, DiffAugment
(--augment=translation,cutout; never colour: hair is a label) before both of D's heads, the same
command otherwise (2026-12-03, stopped at step 5,000): edits read as the target 53-93% at 2,500 and
48-83% at 5,000, but edits FID 409 and 366 with a dot pattern over every face, far behind the plain
run (FID 292 at 2,500). Next, augmenting only the real faces D's classifier learns from:
    python recipes/stargan_celeba.py --stargan_width=32 --stargan_d_steps=1 --steps=20000 \
        --mixed_precision=bfloat16 --augment=translation,cutout --stargan_augment_heads=classifier --export
That run (stopped at step 10,000, resumable: runs/stargan_celeba_augment_classifier) kept D's classifier
from memorising (d_classification 2.5 -> 1.9 by step 9,000, against the plain run's 1.2) and made cleaner
edits sooner (edits FID 255 / 226 / 173 at 2,500 / 5,000 / 10,000; plain run 292 at 2,500, 138 at 15,000),
but G's edits stayed weak: read as the target on 27-83% at 10,000 (Black 41, Blond 60, Brown 69, Male=1 27,
Male=0 53, Young=1 83, Young=0 28%). A weaker classifier pulls G less, so the next run weighs its terms
3 times (--stargan_lambda_cls=3, the same command otherwise, runs/stargan_celeba_augment_classifier_cls3).
That run (2026-12-03, stopped at step 5,500, resumable) was worse on every count at equal steps: read as the
target on 25-69% at 5,000 (Black 63, Blond 69, Brown 48, Male=1 25, Male=0 61, Young=1 59, Young=0 64%;
lambda 1: 28-74%), edits FID 321 (226), identity_top1 0.01-0.03 (0.04), reconstruction L1 0.168 (0.10):
stronger, rougher edits that the judge does not read more often. The earliest evidence for stronger edits
is the critic steps: 5 of them read 48-93% at step 1,400 (above). Next: 5 critic steps with the classifier's
DiffAugment (--stargan_d_steps=5, 1.7-2.2 s a step against 0.8, runs/stargan_celeba_augment_classifier_d5,
stopped at step 2,000; that run was lost with its work tree, so the command restarts from step 0): at 1,000 / 2,000 read as the target 38-71 / 32-70% (2,000: Black 42, Blond 51,
Brown 70, Male=1 43, Male=0 35, Young=1 50, Young=0 32%), edits FID 307 / 297, reconstruction L1 0.111 / 0.095:
early, no better yet than 1 critic step at 2,500 (27-61%, FID 255). Every run above gave all critic steps
of a generator step one batch of 16 faces, so D's classifier fitted the same 16 faces 5 times in a row; the
authors draw a new batch for each critic step, which is now the default (--stargan_critic_batches=fresh: a
step reads 80 faces). The 5-critic run restarted on 2026-12-03 shares them (paused at step 1,500; at 1,000 it
read 38-71% with edits FID 307.5, the lost run's numbers exactly: a run repeats itself on one machine),
and resumes as it started:
    python recipes/stargan_celeba.py --stargan_width=32 --stargan_d_steps=5 --steps=20000 \
        --mixed_precision=bfloat16 --augment=translation,cutout --stargan_augment_heads=classifier \
        --stargan_critic_batches=shared --snapshot_every=1000 --output_dir=runs/stargan_celeba_augment_classifier_d5
beside the same command with fresh batches (runs/stargan_celeba_augment_classifier_d5_fresh: its epochs are
one pass, 112 steps), compared at equal steps (2026-12-03, the same script, 200 held-out faces):

    read as the target (%)  Black Blond Brown Male=1 Male=0 Young=1 Young=0  edits FID  recon L1
    shared, step 1,000        44    71    62    38     38      65      38      307.5     0.111
    fresh,  step 1,008        28    63    67    36     46      43      46      305.7     0.108
    shared, step 2,000 *      42    51    70    43     35      50      32      297       0.095
    fresh,  step 2,016        44    55    69    48     41      72      35      283.4     0.103

    fresh,  step 3,024        48    57    78    29     44      78      29      245.7     0.096

(* the lost run's, which this one repeats.) Fresh batches pull ahead by step 2,000 (5 and 6 points on
Male, 22 on Young=1, FID 14 lower; 200 faces leave about 3.5 points of noise on each share), at 2.4 s a
step alone on one core of an AMD EPYC against the shared run's 3.25 (TensorFlow with bfloat16 is the
fastest way here: 2.5 s a step against 8.0 with XLA, 3.6 on torch in bfloat16, 5.8 on torch in float32).
At 3,024 Male=1 fell back to 29%, while D's own classifier read 83-86% of the Male edits as the target
(the judge 29-44%; on the held-out real faces D's classifier reads Male at a balanced accuracy of 0.865,
the judge 0.946): G has learnt edits that fool D's classifier, not edits that change the attribute.
`ganzoo evaluate` and scripts/checkpoint_edits.py now report that reading (own_classifier/). Against it,
G's classification term reads its edits through the same augmentation D's classifier learns from
(--stargan_augment_heads=classifier_and_edits, the fresh run's command otherwise,
runs/stargan_celeba_augment_classifier_and_edits_d5_fresh). The paper's width 64 where a GPU allows
(scripts/device_recipe.sh).
Up to 2026-12-04 every 5-critic run above trained D with a learning rate that fell too soon: both optimizers
shared one schedule over --steps, but D's counts its own 5 iterations a generator step, so its rate began to
fall at step 2,000 and was 0 from 4,000 (fixed: decaying_learning_rates). The fresh run collapsed there
(pink noise from step 4,000, d_loss 16; set aside in its collapsed_d_lr0/) and resumed from its 3,024
snapshot with the fix. At 3,024 D's rate had already halved; with it restored, one epoch set later:

    fresh,  step 4,032        65    57    76    51     37      69      34      197.9     0.092
    fresh,  step 5,040        67    64    77    56     44      81      39      178.2     0.091
    fresh,  step 6,048        56    50    75    70     37      81      38      149.5     0.081
    fresh,  step 7,056        65    63    70    55     45      81      40      141.9     0.086

(own D: 38-100%; identity_top1 0.04-0.08 at 4,032, 0.07-0.17 at 7,056). Faces get cleaner and keep more of
their identity with every thousand steps, while the shares the judge reads move within their noise;
Male, the one attribute it reads reliably, is at 55 / 45% against the 80% asked for.
The classifier_and_edits run at 1,008 / 2,016 against fresh (same script; paused at 2,128):
read 42-71 / 30-67% (Black 53, Blond 67, Brown 66, Male=1 42, Male=0 48, Young=1 65, Young=0 30% at 2,016),
edits FID 313.2 / 302.3: no clear winner at 2.8 s a step against 2.4, so the fresh run goes on.
The CPU run was lost with its work tree at step 7,504. On a GPU lent for one session (2026-12-04, an H200,
JAX backend, float32) the same run started again:
    bash scripts/device_recipe.sh stargan_celeba 450 --stargan_width=32 --stargan_d_steps=5 --steps=20000 \
        --augment=translation,cutout --stargan_augment_heads=classifier --stargan_critic_batches=fresh
at 31-34 ms a step (75 times one CPU core): 10,640 steps in 450 seconds beside the StyleGAN-lite recipe, and
14,336 after a second leg of 165 seconds. Its checkpoint came back packed (scripts/pack_checkpoint.py) and
goes on here from 14,336 (runs/stargan_celeba_gpu, the command above with --mixed_precision=bfloat16
--snapshot_every=1000 --output_dir=runs/stargan_celeba_gpu). The same script:

    fresh (GPU), step 14,336  52    55    77    33     48      87      27      103.4     0.071
    fresh (GPU, then CPU), 15,008  59  54    77    36     49      91      32      103.1     0.071

(own D: 70-100%; identity_top1 0.15-0.36, 0.20-0.36 at 15,008). Cleaner edits that keep more of the face than at 7,056 (edits FID
103 against 142, identity_top1 twice as high), but the judge's shares are no nearer the 80% asked: Male=1 33%,
Male=0 48%.
D's classifier learns beside G and G finds what it reads; a classifier trained once on the real faces
and then frozen cannot be moved. --stargan_teacher_weight=1 adds its reading of G's edits to G's
classification term (stargan.build_attribute_teacher: three conv blocks on the face averaged down to
32 px, so that a fine pattern cannot pass for an attribute; 12 passes, 4.5 minutes of one core; held-out
balanced accuracy Black .778, Blond .751, Brown .725, Male .937, Young .739, the judge's .787 / .848 /
.749 / .946 / .722: a different network that reads as well). The 5-critic command above with it
(runs/stargan_teacher) and the same with one critic step (runs/stargan_teacher_d1, 0.58 s a step
against 1.3 on one core; --steps=40000 --snapshot_every=2000), 2026-12-05, against the fresh run (a
control restarted today read exactly its numbers at 1,008: a run repeats itself here), the same script:

    read as the target (%)  Black Blond Brown Male=1 Male=0 Young=1 Young=0  edits FID  recon L1
    fresh,        1,008       28    63    67    36     46      43      46      305.7     0.108
    teacher, d5,  1,008       65    79    83    75     61      69      56      332.2     0.115
    fresh,        2,016       44    55    69    48     41      72      35      283.4     0.103
    teacher, d5,  2,016       61    77    83    80     61      80      53      321.3     0.108
    teacher, d5,  3,024       67    72    86    73     65      91      50      279.5     0.100
    teacher, d1,  2,000       62    77    86    71     79      94      59      326.1     0.155
    teacher, d1,  4,000       65    61    90    85     72      91      51      301.0     0.128
    teacher, d1,  6,000       73    46    90    90     70      91      59      246.8     0.110
    teacher, d1,  8,000       80    50    89    85     82      94      61      218.2     0.109
    teacher, d1, aug, 8,000   78    55    91    88     85      93      41      228.4     0.124
    teacher, d1, 10,000       60    65    82    92     73      85      53      214.4     0.109
    teacher, d1, 12,000       79    58    86    98     65      91      56      192.2     0.101
    teacher, d1, 14,000       76    60    93    87     67      98      42      163.5     0.096
    teacher, d1, 16,000       53    66    93    86     57      94      56      173.1     0.100
    teacher, d1, 18,000       65    56    91    92     52      93      59      135.3     0.097
    teacher, d1, 20,000       65    58    88    92     52      96      59      142.6     0.100
    two teachers, 14,000      81    66    94    91     79      94      42      171.6     0.097
    two teachers, 16,000      56    69    96    91     69      93      67      188.7     0.101
    two teachers, 18,000      73    64    93    95     65      93      65      137.6     0.100
    two teachers, 20,000      72    58    93    96     64      94      64      140.3     0.098
    two teachers, 22,000      69    71    89    93     68      96      60      122.3     0.094
    two teachers, 24,000      71    55    95    96     72      94      58      124.1     0.093
    two teachers, 26,000      74    60    94    99     64      94      55      118.4     0.091
    two teachers, 28,000      82    58    91    93     67      94      49      107.3     0.091
    two teachers, 30,000      74    65    91    92     64      96      51      110.9     0.092
    + adv. layout, 28,000     83    67    90    92     82     100      55      116.5     0.101
    + adv. layout, 30,000     75    65    91    92     74      98      57      115.5     0.098
    adv. only, 28,000         81    60    90    90     78      96      53      121.6     0.107

(aug: from 6,000 with --stargan_augment_heads=classifier_and_edits, so that the teacher too
reads G's edits shifted and cut out, runs/stargan_teacher_d1_eot, paused at 8,000.)
The teacher lifts every share by 8 to 39 points at equal steps (5 critic steps), and the grids show
the edits (hair visibly black, blond or brown), not an invisible pattern; the edits' FID, early for
both, is 26-38 higher with it. One critic step
reads as often at half the cost, so the run that goes on is
    python recipes/stargan_celeba.py --stargan_width=32 --stargan_d_steps=1 --steps=40000 \
        --mixed_precision=bfloat16 --augment=translation,cutout --stargan_augment_heads=classifier \
        --stargan_teacher_weight=1 --snapshot_every=2000 --output_dir=runs/stargan_teacher_d1
At 8,000 the judge reads Male both ways at 85 / 82% (its most reliable attribute, balanced accuracy .946)
and black and brown hair at 80 / 89%, while blond fell from 77% at 2,000 to 50% (the teacher reads 84% of
the blond edits at 6,000 as blond, the judge 46%: G has begun to find what this teacher reads, too);
augmenting the edits for the teacher gave blond 55% and Young=0 41% (61) at 8,000: no clear gain, so the
plain run goes on. At 10,000 (paused there, 2026-12-05) the shares moved 5-20 points either way (black 60,
blond 65, Male 92 / 73%): between snapshots they swing more than 200 faces' noise, so judge a run on
several snapshots. Faces are still rough (edits FID 214; the GPU run had 103 at 15,000).
Blond: the judge reads 79% of the held-out blond women as blond but 4 of the 13 blond men (blond
men are 2% of CelebA's men), and at 14,000 (two teachers) it read 92% of the blond edits of women and
43% of those of men; the real_ column of scripts/checkpoint_edits.py now gives, per edit, the judge's
share on real held-out faces with the target, weighted to the edited faces' sex: 54% for blond, so
the blond edits read at or above what real blond faces do; Male=0 (96% real) is the real gap. By 12,000
G's edits also fooled the teacher (97% of blond edits read as blond, the judge 58%). A second teacher
of another kind (--stargan_teachers=pooled,layout: the full-size face, four conv blocks and a dense
head, which reads where things are; held-out balanced accuracy Black .846, Blond .798, Brown .685,
Male .942, Young .722) read only 49% of those blond edits as blond, as the judge did; "two teachers"
above went on from 12,500 with both (the command above with --stargan_teachers=pooled,layout
--output_dir=runs/stargan_teacher_d1_layout; 20% more time a step): at each of 14,000 to 20,000 it read as many
or more of nearly every edit as the target (Male=0 64-65% against 52% at 18,000 and 20,000), with
edits FID 8-16 higher at the first two and equal from 18,000 (140.3 against 142.6 at 20,000; the
one-teacher run was set aside at 21,000), so it is the run that goes on (a fresh start of that
command trains both teachers first, 4.5 and 13 minutes of one core, then G from step 0; this
run's first 12,500 steps had the pooled teacher alone). Faces are still rough at 18,000 (a fine
checkered texture on most edits; edits FID 137 at 200 faces, where the real inputs read 50).
Adversarially trained teachers (2026-12-05; KIND:EPSILON in --stargan_teachers, trained on faces moved
by at most 0.0627 per pixel against their reading, stargan.adversarial_faces): moving 100 held-out men
towards Male=0 by a teacher's gradient alone (10 steps, at most 0.15 a pixel), the judge read 43% of
them as women for the adversarially trained layout teacher and 20% for the plain one (29% and 19% for
the pooled kinds): its gradient points where another classifier sees the change too. Held-out balanced
accuracy: layout Black .706, Blond .856, Brown .572, Male .897, Young .643 (34 minutes of one core
beside other jobs); pooled .735 / .857 / .550 / .928 / .644. From the two-teacher run's 26,000, with
both plain teachers and the adversarial layout one ("+ adv. layout", --stargan_teachers=pooled,layout,
layout:0.0627 --output_dir=runs/stargan_robust_teachers) or with the two adversarial ones alone ("adv.
only", pooled:0.0627,layout:0.0627, runs/stargan_robust_only, paused at 28,500): Male=0 rose 7-15
points at equal steps, at 5-14 higher edits FID and a lower identity score; the checkered texture
stays in all three. Male=0 is still short of 80% at 30,000.
An edit mask (--stargan_edit_mask, GANimation's attention: G also draws a mask m and returns m x its
drawing + (1 - m) x the input, so that what an edit leaves alone keeps the input's pixels; not in the
paper), started from the "+ adv. layout" run's 30,000 (--init_snapshot=runs/stargan_robust_teachers:30000;
the mask starts at 0.95 everywhere, i.e. that G) with the same teachers, a fresh Adam at 5e-5 held for
3,000 steps then down to 0 at 6,000 (--steps=6000 --g_learning_rate=5e-5 --d_learning_rate=5e-5
--output_dir=runs/stargan_mask), against that run going on without one (same script, 200 faces;
"+2,000" is 32,000 steps in all):

    read as the target (%)  Black Blond Brown Male=1 Male=0 Young=1 Young=0  edits FID  recon L1  identity
    no mask,      32,000      80    66    89    92     79     100      53      116.7     0.101   0.08-0.24
    mask,         +2,000      67    59    94    87     76      98      52       92.2     0.076   0.29-0.54
    mask,         +4,000      67    55    89    93     65      94      57       77.1     0.051   0.61-0.85
    mask,         +6,000      65    54    94    87     68      96      51       72.9     0.047   0.67-0.88

The mask fell from 0.95 to 0.45 of the face on average by +4,000 and covers the face and hair: the
background and what an edit leaves alone are the input's own, the edits' FID fell by 40 and the identity
score rose three- to fourfold, while Male=0 fell to 65% (the mask keeps a man's short hair, which the judge
reads). The checkered texture stays where G draws. Against that, the teachers weigh twice (the same
command with --stargan_teacher_weight=2 --steps=4000 --snapshot_every=1000, from the mask run's +4,000:
--init_snapshot=runs/stargan_mask:4000 --output_dir=runs/stargan_mask_t2):

    teachers x2,  +4,000+1,000  81  63    98    92     81     100      47       80.2     0.059   0.58-0.72
    teachers x2,  +4,000+2,000  65  56    98    88     82     100      50       80.9     0.055   0.57-0.76
    teachers x2,  +4,000+3,000  64  64    97    90     79      98      52       78.6     0.055   0.56-0.78

Male=0 back at 79-82% (94 men; about 4 points of noise each), the other reliable edits (Male=1, Young=1)
at 88-100%, at an edits FID 6-8 above the mask run's alone (117 without a mask) and an identity score of
0.56-0.78 (0.08-0.24 without a mask). A fixed blur after G's transposed convolutions (--stargan_upsample_blur: no weights, so
the same command with it goes on from that run's +3,000, --init_snapshot=runs/stargan_mask_t2:3000
--output_dir=runs/stargan_mask_t2_blur) removes the checkered texture at once:

    + blur,       +1,000      74    59    75    87     78      78      49       73.3     0.031   0.80-0.92
    + blur,       +2,000      60    62    77    59     71      74      45       66.6     0.025   0.86-0.98
    + blur,       +3,000      65    58    79    70     65      72      49       64.7     0.024   0.86-0.97
    + blur,       +4,000      67    58    76    64     62      70      47       63.1     0.023   0.89-0.98

but G, having to draw through the blur, draws less: the mask fell from 0.44 to 0.17-0.27 of the face,
and with it Male and Young (Male=1 59 / 70 / 64% at +2,000 / +3,000 / +4,000, where the run ends); where it draws, the faces are soft with small pink and
green blotches. The checkered texture where G draws is the blocker left.
All those runs were lost with their work tree (2026-12-05). Rather than their chain of five runs, G now
trains from step 0 with all of it: the mask, the blur from the start (so G never has to re-learn through
it), the three teachers at weight 2, 30,000 steps (the learning rate held for 15,000, then down to 0):
    python recipes/stargan_celeba.py --stargan_width=32 --stargan_d_steps=1 --steps=30000 \
        --mixed_precision=bfloat16 --augment=translation,cutout --stargan_augment_heads=classifier \
        --stargan_teachers=pooled,layout,layout:0.0627 --stargan_teacher_weight=2 --stargan_edit_mask \
        --stargan_upsample_blur --snapshot_every=2000 --output_dir=runs/stargan_scratch
(on a 2-core Intel Xeon: the three teachers first, held-out balanced accuracy pooled .770 / .782 / .753 /
.949 / .717, layout .795 / .819 / .709 / .942 / .717, layout:0.0627 .729 / .883 / .530 / .920 / .642; then
0.72-0.77 s a step alone). The same script:

    read as the target (%)  Black Blond Brown Male=1 Male=0 Young=1 Young=0  edits FID  recon L1  identity
    from 0,        2,000      69    52    73    66     77      70      33       76.9     0.037   0.73-0.94
    from 0,        4,000      80    61    73    75     62      61      34       69.4     0.031   0.73-0.96
    from 0,        6,000      78    54    82    85     66      74      33       69.3     0.030   0.81-0.94

At 2,000 its edits are as clean (FID 77) as the chain's after 34,000 steps, and keep more of each face; the
mask covers 0.19-0.30 of it (mostly the hair). Where G draws, the edits are still rough: soft, with pink and
green horizontal streaks over the forehead of many hair edits at 4,000 and 6,000, and the reliable edits are
short of 80% but for Male=1 (85 / 66% at 6,000, Young=1 74%): early, at a fifth of its steps.

    from 0,        8,000      77    51    89    75     68      67      45       65.2     0.026   0.88-1.00

(paused at 8,500.) The streaks are G's own drawing (its image before the mask, runs/notes/drawn_view.py):
pink and green bands over the face where the mask is partly on, between the eyes, brows and mouth it keeps.
Blurring the edits at 6,000 down the columns (which removes horizontal bands) or along the rows (the
same blur the other way) moved most readings by a few points either way; more down the columns only for
the adversarially trained layout teacher on Male=0 (72% of the edits, 61% blurred down, 72% along) and
the judge on Young=1 (74, 63, 80%): the bands carry little of what the readers read
(runs/notes/streak_probe.py). That teacher reads Brown and
Young near chance (.530, .642) and the other two read 86-100% of the edits as the target, so it pulls G
hardest. Three branches from the 8,000 snapshot (fresh Adam; 200 faces, same script), each teacher
teaching only the attributes it reads at a held-out balanced accuracy of 0.7 or above
(--stargan_teacher_min_accuracy=0.7: the adversarial one drops Brown and Young), alone or with D's
learning rate 3 times G's (--d_learning_rate=3e-4; a stronger critic at no cost a step):

    min. 0.7,        +2,000   74    67    85    54     68      67      38       65.5     0.024   0.87-0.98
    min. 0.7, D x3,  +2,000   76    72    87    63     76      65      38       64.3     0.025   0.85-0.98
    min. 0.7, D x3,  +4,000   80    61    70    77     66      57      45       64.6     0.024   0.88-1.00
    ... teachers x1, +2+2,000 76    64    78    48     87      61      40       64.2     0.023   0.91-1.00

(the last: teacher weight 1 instead of 2 from the D x3 branch's +2,000, runs/stargan_d3_t1.) None removes
the bands: D x3 draws them on fewer faces at +2,000 and as many at +4,000; weight 1 on fewer again, with
Male=0 at 87% and Male=1 down to 48%. The reliable shares sit where the run from 0 had them.
A measure of the bands (metrics.edits.horizontal_bands, in scripts/checkpoint_edits.py's table from now on):
the grey levels (0-255) of an edit's change at vertical periods of 3-5 px beyond its horizontal ones, over
200 held-out faces' blond / Male=0 / Young=1 edits: the run from 0 at 2,000 5.8 / 2.0 / 2.7, at 8,000
4.5 / 3.2 / 2.9; runs/stargan_d3_t1 at 2,000 2.3 / 3.2 / 2.0 (runs/notes/bands_table.py). Branches from
runs/stargan_d3_t1's 2,000 (2026-12-06), +2,000 each:
- the mask pushed to 0 or 1 (--stargan_lambda_mask_decided=2, runs/stargan_decided): its mean m (1 - m)
  went from 0.042 to 0.039, bands as before (2.1 / 3.2 / 1.8);
- a local critic (--stargan_local_critic: a second real/fake head on D's 8x8 map, each logit seeing about
  38 px; runs/stargan_local): read as the target 72 / 61 / 76 / 55 / 84 / 56 / 51%, edits FID 64.2,
  reconstruction L1 0.024, identity 0.90-1.00 (the same script), bands as before (3.1 / 3.2 / 2.0). Its
  mean logit on real faces minus on their edits is 0.0-0.1 over the face (the whole-face head's 0.4-1.3):
  it does not tell the bands from a face either.
Whether the bands carry what the way back needs (a code, as CycleGAN hides one): blurring an edit's change
down the columns raised the reconstruction L1 of the way back by 4-18% at runs/stargan_decided's 2,000, by
0-5% at runs/stargan_d3_t1's 2,000 and lowered it at the run from 0's 8,000 (runs/notes/recon_probe.py):
no code that training keeps (a branch whose way back reached the first pass through its mask only,
--stargan_reconstruction_through_mask_only, runs/stargan_maskrec, was set aside at +500 for it). D's own
classifier reads them in part: blurred down the columns, its share of
the edits read as the target fell by up to 6 points more than blurred along the rows at runs/stargan_d3_t1's
2,000 (blond 90 / 80 / 86%, Male=1 74 / 63 / 68%, Male=0 85 / 77 / 83%, Young=0 64 / 55 / 61%; hair
black and brown 1-2 points), 0-6 at the run from 0's 8,000 (runs/notes/own_reader_probe.py). So G learns
the attributes from the frozen teachers alone (--stargan_lambda_g_cls=0, D still trains its classifier;
runs/stargan_gcls0, from runs/stargan_d3_t1's 2,000): by +500 the previews are nearly free of bands, and
on 200 faces the bands are 1.7 / 2.1 / 1.6 with edits FID 60.1 and identity 0.95-1.00, but the edits are
weaker (read as the target 65 / 42 / 39 / 45 / 37 / 48 / 22%): D's classifier had been half of G's pull
towards the attributes. At +1,000 / +1,500 the bands are 1.1 / 2.3 / 1.7 and 1.6 / 2.1 / 1.4, the fewest
yet, though a few thin pink and blue lines are back on the Male=0 previews (paused at +1,500). And the bands are not the blur's: G with
resize-convolutions in place of transposed convolutions and blur (--stargan_resize_upsample, the run from
0's command otherwise, runs/stargan_resize) draws them from step 500 too, under a fine grid; at 2,000 it
reads as the run from 0 did (65 / 60 / 80 / 66 / 78 / 76 / 49%, edits FID 78.1, identity 0.71-0.93,
bands 5.7 / 2.7 / 3.1; the run from 0: 69 / 52 / 73 / 66 / 77 / 70 / 33%, 76.9, 0.73-0.94, 5.8 / 2.0 / 2.7).
Going on (2026-12-06; the same script, 200 faces; steps counted from runs/stargan_d3_t1's 2,000; bands are
blond / Male=0 / Young=1):

    read as the target (%)     Black Blond Brown Male=1 Male=0 Young=1 Young=0  edits FID  identity   bands
    teachers alone,   +2,500     67    61    53    48     45      52      21       61.3   0.92-1.00  0.0 / 0.3 / 0.0
    teachers x2,      +2,000     74    65    69    53     70      50      37       62.5   0.89-1.00  2.0 / 2.4 / 1.9
      colour blurred after        69    62    64    49     63      52      37       59.9   0.90-1.00  1.7 / 2.2 / 1.8
                      +2,500     81    65    77    77     66      67      32       62.9   0.88-1.00  2.3 / 1.6 / 1.5
    teachers alone, colour
      blurred, +2,000+500         67    43    41    37     39      54      25       58.9   0.95-1.00  1.2 / 2.1 / 1.1
               +2,000+1,000       72    42    51    33     37      50      20       58.5   0.93-1.00  1.5 / 2.3 / 1.7
    teachers x2, colour
      blurred, +2,000+500         83    57    68    50     65      61      33       61.0   0.88-1.00  1.1 / 2.2 / 1.4
               +2,000+1,000       83    57    62    50     64      65      21       60.1   0.87-1.00  0.0 / 1.6 / 1.3
               +2,000+1,500       69    64    70    43     65      52      27       60.3   0.88-1.00  0.7 / 2.0 / 1.2

By +2,500 G taught by the teachers alone draws no bands by the measure, but its edits are weak (Male
48 / 45%), and the previews show small blue, purple and pink blots at the eyes, nose and mouth: colour, not
bands. With the teachers weighted 2 (runs/stargan_gcls0_tw2, from the same 2,000) the edits are stronger
(Male=0 70%) and the bands are back: what the teachers pull G towards, G draws as bands too. Against the
blots, a Gaussian blur of the colour of G's change, its luma kept exactly (--stargan_chroma_sigma=1.5, no
weights; "colour blurred after": put into that G after training, runs/notes/chroma_post_edits.py): in the
previews the blots become faint tints, the edits' FID falls by 2.6, the judge reads 0-7 points fewer. Trained
with it (from runs/stargan_gcls0's 2,000, runs/stargan_gcls0_change_chroma, and from runs/stargan_gcls0_tw2's
2,000, runs/stargan_gcls0_tw2_chroma, paused at +1,000 and +1,500), G draws the same blots wider within 500
steps: blurring the colour does not stop G drawing what the teachers read. (A first form blurred G's drawing before the mask, and lines
still showed at +500: runs/stargan_gcls0_chroma_drawing, set aside.) Male=1 stays near 50% in every branch
but the teachers x2 one at +2,500 (77%, after 53% at +2,000: snapshots swing), as at runs/stargan_d3_t1's
2,000 with D's classifier (48%); the chain without the blur after G's transposed convolutions read 87-92%
(teachers x2 above), and fell to 59-70% once G drew through the blur. runs/stargan_gcls0_tw2 went on, and
its +2,500 was a swing (the same script, 200 faces; 2026-12-06, stop 65):

    read as the target (%)     Black Blond Brown Male=1 Male=0 Young=1 Young=0  edits FID  identity   bands
    teachers x2,      +3,000     78    66    77    49     64      56      32       61.4   0.87-1.00  1.2 / 2.0 / 1.7
                      +4,000     72    56    65    60     51      41      31       60.8   0.94-1.00  2.0 / 1.8 / 1.7

Which reader reads the colour of G's change (runs/notes/colour_probe.py, that run at +2,000, 200 faces: each
edit read as it is, with the colour of its change removed (the input plus the change's luma) and with its luma
removed): the pooled and layout teachers read 93 and 87% of the Male=1 edits as men, 44 and 37% without the
colour; the judge 53%, 32% without it. Colour carries part of what the judge reads and more of what the
teachers read. Teachers that read the luma alone (kinds pooled_luma and layout_luma, 3.5 and 24 minutes of
one core beside other jobs; held-out balanced accuracy Black .755 / .791, Blond .828 / .785, Brown .644 /
.678, Male .923 / .941, Young .742 / .653: sex read as well as with colour) then taught sex and age, in two
branches from runs/stargan_d3_t1's 2,000 with G's classification term from the teachers alone:
"luma + colour": the three colour teachers teach hair alone (--stargan_colour_teacher_attributes=Black_Hair,
Blond_Hair,Brown_Hair), the two luma teachers what they read at 0.7 (hair black and blond too), weight 5 over
5 teachers (runs/stargan_luma_teachers); "split": hair from the pooled and layout colour teachers, sex and age
from the luma ones alone (--stargan_teachers=pooled,layout,pooled_luma,layout_luma
--stargan_luma_teacher_attributes=Male,Young --stargan_teacher_weight=4, runs/stargan_luma_split). The same
script:

    luma + colour,    +1,000     89    54    83    74     40      67      16       63.1   0.85-0.97  1.2 / 1.9 / 2.1
    split,            +1,000     83    47    68    69     45      65      19       63.3   0.93-1.00  2.1 / 2.3 / 2.3
                      +2,000     63    48    70    49     32      52      18       60.8   0.96-1.00  2.3 / 2.3 / 2.1
    adversarial
      layout alone,   +1,000     72    32    28    52     57      52      20       62.4   0.84-1.00  1.6 / 2.1 / 1.4
                      +1,500     51    39    27    45     70      52      28       61.9   0.87-1.00  2.2 / 2.8 / 1.6

The colour blots stay in the previews (a reader that cannot see colour gives G no reason to take away what its
start drew) and Male=0 falls to 40-45%, though colour is not what the judge reads sex by on real faces: in
grey it reads 93% of the held-out men and 93% of the women as such, against 94 and 96% in colour
(runs/notes/grey_judge_probe.py, 1,000 faces). The pink lips and purple eyes of the Male=0 edits look like
crude makeup; whatever the luma teachers read of women, G does not draw it (split: 32% at +2,000, bands over
the hair edits in the previews; set aside there). Of the three teachers, the adversarially trained layout one
read G's edits nearest the judge (Male=1 68% against the judge's 53%, the plain ones 87-93%; colour_probe
above), so it alone taught G in a third branch (--stargan_teachers=layout:0.0627 --stargan_teacher_min_accuracy=0.6
--stargan_teacher_weight=2: Black, Blond, Male, Young; runs/stargan_robust_one, "adversarial layout alone"):
weaker edits at +1,000 and +1,500 (brown, which nothing teaches, at 27-28%) and the same blots at eyes and
mouth. No reader, colour or luma, plain or robust, has taken the blots away, and they are not only what
runs/stargan_d3_t1's G learnt from D's classifier: G from step 0 with the teachers alone (the run-from-0
command with --stargan_lambda_g_cls=0 --stargan_teacher_min_accuracy=0.7 --d_learning_rate=3e-4,
runs/stargan_scratch_gcls0) draws colour blots at eyes and mouth and bands over the hair by step 500; at 2,000
it reads 69 / 45 / 54 / 46 / 70 / 54 / 28% (edits FID 64.3, identity 0.95-1.00, bands 3.2 / 1.8 / 2.0; the run
from 0 with D's classifier at 2,000: 69 / 52 / 73 / 66 / 77 / 70 / 33%, 76.9, 0.73-0.94, 5.8 / 2.0 / 2.7):
cleaner and fewer bands, weaker edits, the blots the same (paused there).
"""

from absl import app, flags

import recipe_flags
from dcgan_celeba import CELEBA_DATASET

ATTRIBUTES = ["Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young"]
HAIR_GROUP = ATTRIBUTES[:3]

flags.DEFINE_integer("stargan_width", 64, "Filters of G's first layer and D's (paper: 64).")
flags.DEFINE_float("stargan_lambda_g_cls", None, "Weight of D's classifier in G's loss alone (default: "
                   "--stargan_lambda_cls, as the paper; 0 leaves G to the frozen teachers).", lower_bound=0.0)
flags.DEFINE_integer("stargan_blocks", 6, "Residual blocks of G (paper: 6 at 128 px).")
flags.DEFINE_float("stargan_lambda_cls", 1.0, "Weight of the attribute classification terms (paper: 1).",
                   lower_bound=0.0)
flags.DEFINE_enum("stargan_augment_heads", "both", ["both", "classifier", "classifier_and_edits"],
                  "With --augment: DiffAugment before both of D's heads, augmented real faces for its attribute "
                  "classifier only, or those and G's edits augmented for its classification term.")
flags.DEFINE_bool("stargan_edit_mask", False, "G draws a mask beside its image and keeps the input's pixels where "
                  "the mask is 0 (GANimation's attention; not in the paper). With --init_snapshot of a run without "
                  "one, the mask starts nearly 1 everywhere: that run's G.")
flags.DEFINE_float("stargan_lambda_mask_tv", 1e-5, "With --stargan_edit_mask: weight of the mask's total variation "
                   "(GANimation: 1e-5).", lower_bound=0.0)
flags.DEFINE_float("stargan_lambda_mask_decided", 0.0, "With --stargan_edit_mask: weight of the mask's mean "
                   "m (1 - m), which pushes it to 0 or 1 (0: off).", lower_bound=0.0)
flags.DEFINE_bool("stargan_upsample_blur", False, "A fixed [1, 2, 1] blur after each of G's transposed "
                  "convolutions, against their checkered pattern (not in the paper; adds no weights, so a run "
                  "can go on from a snapshot without it via --init_snapshot).")
flags.DEFINE_bool("stargan_reconstruction_through_mask_only", False, "With --stargan_edit_mask: the way back's "
                  "L1 reaches the first pass through its mask only (its drawing held constant), so that G has no "
                  "reason to hide a code for the way back in its drawing (not in the paper).")
flags.DEFINE_bool("stargan_resize_upsample", False, "G doubles its maps by nearest neighbours and a 3x3 "
                  "convolution instead of transposed convolutions (no checkered pattern, nothing blurred; not in "
                  "the paper; instead of --stargan_upsample_blur).")
flags.DEFINE_float("stargan_chroma_sigma", 0.0, "Blur the colour (not the brightness) of what G changes by a "
                   "Gaussian of this many pixels, against thin colour fringes (0: off; not in the paper; no weights, "
                   "so a run can go on from a snapshot without it).", lower_bound=0.0)
flags.DEFINE_float("stargan_lambda_kept_colour", 0.0, "Weight of the mean absolute colour (not brightness) that G "
                   "changes in edits that keep the face's hair colour (sex or age alone), against colour blots "
                   "at eyes and mouth (0: off; not in the paper).", lower_bound=0.0)
flags.DEFINE_bool("stargan_local_critic", False, "A second real/fake head on D's 8x8 map (each logit sees about "
                  "38 px), which judges texture where it is; not in the paper. With --init_snapshot of a run "
                  "without one, the head starts fresh.")
flags.DEFINE_integer("stargan_d_steps", 5, "Critic steps per generator step (paper: 5).", lower_bound=1)
flags.DEFINE_enum("stargan_critic_batches", "fresh", ["fresh", "shared"], "Each critic step on its own batch "
                  "(the authors' code: a step reads --stargan_d_steps batches), or all of them on one.")
flags.DEFINE_float("stargan_teacher_weight", 0.0, "Weight of frozen attribute classifiers' reading of G's edits "
                   "in G's loss (0: none, as the paper). Each is trained first on the training faces and kept in the "
                   "run folder (attribute_teacher_KIND.weights.h5) for resumed legs.", lower_bound=0.0)
flags.DEFINE_list("stargan_teachers", ["pooled"], "Those classifiers, comma-separated: pooled, layout, "
                  "pooled_luma or layout_luma (stargan.build_attribute_teacher; _luma: reads the brightness alone), "
                  "each as KIND or KIND:EPSILON for one trained on faces moved by "
                  "at most EPSILON per pixel in [-1, 1] units against its reading (stargan.adversarial_faces), e.g. "
                  "pooled,layout,layout:0.0627; G's term is their mean.")


def teacher_spec(item):
    """'layout' -> ('layout', 0.0); 'layout:0.0627' -> ('layout', 0.0627); ValueError otherwise."""
    from ganzoo.families.stargan import TEACHER_KINDS

    kind, _, epsilon = item.partition(":")
    epsilon = float(epsilon) if epsilon else 0.0
    if kind not in TEACHER_KINDS or not 0.0 <= epsilon < 1.0:
        raise ValueError(item)
    return kind, epsilon


def _valid_teachers(items):
    try:
        return bool(items) and all(teacher_spec(item) for item in items)
    except ValueError:
        return False


flags.register_validator("stargan_teachers", _valid_teachers, "--stargan_teachers: one or more of pooled, layout, "
                         "pooled_luma, layout_luma, each optionally :EPSILON with 0 <= EPSILON < 1 (comma-separated), e.g. pooled,layout:0.0627.")
flags.DEFINE_float("stargan_teacher_min_accuracy", 0.0, "Each teacher teaches only the attributes it reads at "
                   "this held-out balanced accuracy or above (its attribute_teacher_*.json); 0: all of them.",
                   lower_bound=0.0, upper_bound=1.0)
def define_attribute_list(name, help_text):
    """A flag naming some of ATTRIBUTES (None: all), refused with the valid names otherwise."""
    flags.DEFINE_list(name, None, help_text)
    flags.register_validator(name, lambda names: names is None or (bool(names) and set(names) <= set(ATTRIBUTES)),
                             f"--{name}: one or more of {', '.join(ATTRIBUTES)}.")


define_attribute_list("stargan_colour_teacher_attributes", "The attributes a teacher that sees colour (not a _luma "
                      "one) may teach, e.g. Black_Hair,Blond_Hair,Brown_Hair to leave sex and age to the _luma "
                      "teachers, so that G cannot pass a colour blot for them (default: all).")
define_attribute_list("stargan_luma_teacher_attributes", "The attributes a _luma teacher may teach, e.g. Male,Young "
                      "(default: all).")
flags.DEFINE_integer("stargan_teacher_epochs", 12, "Passes over the training faces for those classifiers.", lower_bound=1)
flags.DEFINE_integer("stargan_teacher_faces", None, "Train those classifiers on the first N training faces only "
                     "(default: all of them; a small N is for quick checks of the recipe).", lower_bound=1)
FLAGS = flags.FLAGS


def faces_and_attributes(data_dir, source):
    from ganzoo import paired

    return paired.celeba_attributes(ATTRIBUTES, "train", data_dir, source)


def held_out(data_dir, source):
    """The first 4 young and the first 4 old held-out faces: the grids' and the aging picture's."""
    import numpy as np

    from ganzoo import paired

    faces, attributes = paired.celeba_attributes(ATTRIBUTES, "test", data_dir, source)
    young = attributes[:, ATTRIBUTES.index("Young")] == 1
    index = np.concatenate([np.flatnonzero(young)[:4], np.flatnonzero(~young)[:4]])
    return faces[index], attributes[index]


def attribute_teacher(output_dir, kind, epsilon):
    """A frozen classifier of --stargan_teacher_weight: loaded from output_dir, else trained on the
    training faces and saved there with its held-out balanced accuracy (attribute_teacher_KIND.json,
    attribute_teacher_KIND_epsEPSILON.json for an adversarially trained one)."""
    import json

    from ganzoo import paired
    from ganzoo.families.stargan import build_attribute_teacher, train_attribute_teacher
    from ganzoo.images import from_uint8
    from ganzoo.metrics.classifier import balanced_accuracy

    name = f"attribute_teacher_{kind}" + (f"_eps{epsilon:g}" if epsilon else "")
    saved, record = output_dir / f"{name}.weights.h5", output_dir / f"{name}.json"
    if saved.exists():
        teacher = build_attribute_teacher(64, len(ATTRIBUTES), kind=kind)
        teacher.load_weights(saved)
        return teacher, json.loads(record.read_text())["held_out_balanced_accuracy"]
    faces, attributes = faces_and_attributes(FLAGS.data_dir, FLAGS.source)
    faces, attributes = faces[: FLAGS.stargan_teacher_faces], attributes[: FLAGS.stargan_teacher_faces]  # None: all
    teacher = train_attribute_teacher(faces, attributes,
                                      epochs=FLAGS.stargan_teacher_epochs, seed=FLAGS.seed, kind=kind,
                                      epsilon=epsilon)
    held_out_faces, truth = paired.celeba_attributes(ATTRIBUTES, "test", FLAGS.data_dir, FLAGS.source)
    logits = teacher.predict(from_uint8(held_out_faces), batch_size=250, verbose=0)
    scores = {attribute: round(balanced_accuracy(logits[:, i] > 0, truth[:, i]), 4)
              for i, attribute in enumerate(ATTRIBUTES)}
    print(f"attribute teacher ({name}): held-out balanced accuracy {scores}")
    output_dir.mkdir(parents=True, exist_ok=True)
    teacher.save_weights(saved)
    record.write_text(json.dumps(
        {"epochs": FLAGS.stargan_teacher_epochs, "epsilon": epsilon, "training_faces": len(faces),
         "held_out_balanced_accuracy": scores}, indent=2))
    return teacher, scores


def taught_attributes(scores, min_accuracy, allowed=None):
    """The attributes a teacher with held-out balanced accuracies `scores` teaches: those of `allowed`
    (None: all) read at min_accuracy or above (all of them at 0)."""
    return [attribute for attribute in ATTRIBUTES
            if scores[attribute] >= min_accuracy and (allowed is None or attribute in allowed)]


def main(argv):
    del argv
    callbacks = ()
    if FLAGS.stargan_teacher_weight:
        import keras

        teachers, taught = [], []
        for spec in dict.fromkeys(map(teacher_spec, FLAGS.stargan_teachers)):
            teacher, scores = attribute_teacher(recipe_flags.run_folder("stargan_celeba"), *spec)
            attributes = taught_attributes(scores, FLAGS.stargan_teacher_min_accuracy,
                                           FLAGS.stargan_luma_teacher_attributes if spec[0].endswith("_luma")
                                           else FLAGS.stargan_colour_teacher_attributes)
            print(f"teacher {':'.join(map(str, spec))} teaches {', '.join(attributes) or 'nothing'}")
            if attributes:
                teachers.append(teacher)
                taught.append(attributes)
        if not teachers:
            raise app.UsageError(f"No teacher reads any attribute at --stargan_teacher_min_accuracy="
                                 f"{FLAGS.stargan_teacher_min_accuracy} or above: lower it.")

        class AttachTeachers(keras.callbacks.Callback):  # every leg: the checkpoint does not hold them
            def on_train_begin(self, logs=None):
                self.model.attach_teacher(*teachers, taught=taught)

        callbacks = (AttachTeachers(),)
    recipe_flags.run(
        "stargan_celeba", "stargan",
        {"resolution": 64, "width": FLAGS.stargan_width, "blocks": FLAGS.stargan_blocks, "attributes": ATTRIBUTES,
         "hair_group": HAIR_GROUP, "lambda_cls": FLAGS.stargan_lambda_cls, "lambda_rec": 10.0, "lambda_gp": 10.0,
         "d_steps": FLAGS.stargan_d_steps, "critic_batches": FLAGS.stargan_critic_batches,
         **({"lambda_teacher": FLAGS.stargan_teacher_weight} if FLAGS.stargan_teacher_weight else {}),
         **({} if FLAGS.stargan_lambda_g_cls is None else {"lambda_g_cls": FLAGS.stargan_lambda_g_cls}),
         **({"augment_heads": FLAGS.stargan_augment_heads} if FLAGS.stargan_augment_heads != "both" else {}),
         **({"edit_mask": True, "lambda_mask_tv": FLAGS.stargan_lambda_mask_tv} if FLAGS.stargan_edit_mask else {}),
         **({"lambda_mask_decided": FLAGS.stargan_lambda_mask_decided} if FLAGS.stargan_lambda_mask_decided else {}),
         **({"upsample_blur": True} if FLAGS.stargan_upsample_blur else {}),
         **({"resize_upsample": True} if FLAGS.stargan_resize_upsample else {}),
         **({"chroma_sigma": FLAGS.stargan_chroma_sigma} if FLAGS.stargan_chroma_sigma else {}),
         **({"lambda_kept_colour": FLAGS.stargan_lambda_kept_colour} if FLAGS.stargan_lambda_kept_colour else {}),
         **({"local_critic": True} if FLAGS.stargan_local_critic else {}),
         **({"reconstruction_through_mask_only": True} if FLAGS.stargan_reconstruction_through_mask_only else {})},
        faces_and_attributes, steps=40000, batch_size=16, generator_only=True, preview_inputs=held_out,
        compile_kwargs={"total_steps": lambda steps: steps}, callbacks=callbacks,
        # `ganzoo evaluate` (evaluate._attribute_edits): each edit and direction on the 1,000 held-out faces
        # read by an attribute judge trained on real faces, identity kept, FID; black to blond scored as
        # the CycleGAN entry is, on the same faces and judge; and an edit that changes nothing.
        evaluation={"n_samples": 1000, "seed": 0,
                    "translation": {"edits": {"classifier": "classifier_celeba_attributes"},
                                    "black2blond": {"a": "Black_Hair", "b": "Blond_Hair",
                                                    "classifier": "classifier_celeba_hair"},
                                    "reconstruction": True}},
        dataset=CELEBA_DATASET,
        description="StarGAN (Choi et al. 2018): one generator that edits hair colour (black, blond, brown), sex "
                    "and age of 64x64 CelebA faces, with a PatchGAN critic that also classifies the attributes; "
                    "Wasserstein loss with gradient penalty, classification and reconstruction terms; "
                    "edit(faces, Blond_Hair=1) or `ganzoo edit NAME face.png --set Blond_Hair=1`.",
        limitations="Trained on 9,000 faces (4.4% of CelebA) at 64x64, aligned and cropped as CelebA's are: "
                    "other photographs need the same framing. Only the five attributes are edited, and only as "
                    "CelebA's annotators labelled them (Male and Young as binary labels). CelebA's celebrities skew "
                    "young and light-skinned; edits inherit that bias. Non-commercial research use only, as "
                    "CelebA's terms require.")


if __name__ == "__main__":
    app.run(main)
