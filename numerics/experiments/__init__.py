"""The R8 experiments (docs/theory.md#experiments): the skip-connection mechanism at CPU scale, and A versus I + A.

* :mod:`numerics.experiments.data`            — N images: synthetic (default) or scikit-learn's 8×8 digits;
* :mod:`numerics.experiments.random_matrix`   — singular values of A and of I + A (500×500, uniform entries);
* :mod:`numerics.experiments.variants`        — the three dense variants (a) no skip, (b) projection,
  (c) projection plus a fixed isometric map (numerics.architectures), from identical initial weights;
* :mod:`numerics.experiments.skip_mechanism`  — full-batch GD, per-step Jacobian singular values and loss;
* :mod:`numerics.experiments.report`          — mean ± std tables, the observed ordering, the prediction;
* :mod:`numerics.experiments.figures`         — terminal histograms and (optional, matplotlib) PNG figures;
* :mod:`numerics.experiments.conv_skip`       — the authors' conv ResNet on 28×28 digits: GD, chunked post-stem
  Jacobian, its 320 singular values (``--arch conv``);
* :mod:`numerics.experiments.conv_report`     — loss at steps 10/20/30, paired win counts, σ(J) statistics, the finding;
"""
