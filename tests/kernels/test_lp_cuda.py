"""The numba.cuda LP mat-vec kernels on Numba's CUDA simulator, against the CPU
kernels and the CPU solver.

The simulator must be switched on before ``numba.cuda`` is first imported,
so the checks run in a fresh interpreter with ``NUMBA_ENABLE_CUDASIM=1``
(whatever the state of this pytest process). On a machine with a GPU, set
``OPTKIT_TEST_REAL_CUDA=1`` to run the same script on the device.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import numpy as np
    import scipy.sparse as sp
    from numba import cuda
    assert cuda.is_available()
    import optkit
    from optkit.kernels import lp_cuda as KC, lp_matvec as K
    from optkit.problems.lp import LPProblem

    rng = np.random.default_rng(0)
    m, n = 9, 13
    A = sp.random(m, n, density=0.4, random_state=0, format="csr")
    A.data = rng.standard_normal(A.nnz)
    AT = A.T.tocsr()
    arrs = lambda M: (M.indptr.astype(np.int64), M.indices.astype(np.int64), M.data)
    d = KC.DeviceLP(*arrs(A), *arrs(AT), m, n)
    x, y = rng.standard_normal(n), rng.standard_normal(m)
    np.testing.assert_allclose(d.matvec(x), A @ x, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(d.rmatvec(y), AT @ y, rtol=1e-13, atol=1e-14)
    out = np.empty(m)
    K.csr_matvec(*arrs(A), x, out)
    np.testing.assert_allclose(d.matvec(x), out, rtol=1e-13, atol=1e-14)

    # the solver with device="cuda" against device="cpu": same iterates
    c = rng.standard_normal(n)
    x_feas = rng.random(n)
    lp = LPProblem(c, A_ub=A.toarray(), b_ub=A @ x_feas + rng.random(m), bounds=(0, 3))
    opts = {"maxiter": 6, "check_every": 2}
    gpu = optkit.minimize(lp, method="pdhg-lp", tol=1e-300, options=dict(opts, device="cuda"))
    cpu = optkit.minimize(lp, method="pdhg-lp", tol=1e-300, options=opts)
    assert gpu.nit == cpu.nit == 6, gpu.message
    assert gpu.nmatvec == cpu.nmatvec and gpu.trials == cpu.trials
    np.testing.assert_allclose(gpu.x, cpu.x, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gpu.y, cpu.y, rtol=1e-12, atol=1e-14)
    assert abs(gpu.certificate - cpu.certificate) <= 1e-12 * (1 + cpu.certificate)
    print("CUDA-OK")
''')


def test_cuda_kernels_on_the_simulator():
    env = dict(os.environ)
    if not os.environ.get("OPTKIT_TEST_REAL_CUDA"):
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "CUDA-OK" in proc.stdout, proc.stderr[-3000:]


def test_cuda_without_a_device_is_a_clear_error():
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    script = textwrap.dedent('''
        from numba import cuda
        if cuda.is_available():
            print("HAS-GPU")
        else:
            import optkit
            from optkit.problems.lp import LPProblem
            lp = LPProblem([1.0, 1.0], A_ub=[[1.0, 1.0]], b_ub=[1.0])
            try:
                optkit.minimize(lp, method="pdhg-lp", options={"device": "cuda"})
            except RuntimeError as exc:
                assert "device='cuda'" in str(exc) and "NUMBA_ENABLE_CUDASIM" in str(exc)
                print("CLEAR-ERROR")
    ''')
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "HAS-GPU" in proc.stdout or "CLEAR-ERROR" in proc.stdout
