"""The numba.cuda OT kernels on Numba's CUDA simulator, against the NumPy
references and the CPU solvers.

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
    from numba import cuda
    assert cuda.is_available()
    import optkit
    from optkit.kernels import sinkhorn as K, sinkhorn_cuda as KC
    from optkit.problems.ot import OTProblem
    from optkit.problems.synthetic import ot_point_clouds

    a, b, M = ot_point_clouds(9, 6, weights="random", seed=0)
    rng = np.random.default_rng(0)
    f, g = 0.01 * rng.standard_normal(9), 0.01 * rng.standard_normal(6)
    reg = 0.05
    d = KC.DeviceOT(M, a, b)
    np.testing.assert_allclose(d.col_update(f, g, reg),
                               K.log_col_update_reference(M, f, g, np.log(b), reg),
                               rtol=1e-13, atol=1e-15)
    f_out, colsum, cost = d.row_update(f, g, reg, True)
    f_ref, col_ref, cost_ref = K.log_row_update_reference(M, f, g, np.log(a), a, reg)
    np.testing.assert_allclose(f_out, f_ref, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(colsum, col_ref, rtol=1e-13, atol=1e-16)
    assert abs(cost - cost_ref) <= 1e-13
    P = np.empty((9, 6))
    rows, cols, cost = d.plan_sums(f, g, reg, P)
    P_ref, r_ref, c_ref, cost_ref = K.plan_sums_reference(M, f, g, reg)
    np.testing.assert_allclose(P, P_ref, rtol=1e-13)
    np.testing.assert_allclose(rows, r_ref, rtol=1e-13)
    np.testing.assert_allclose(cols, c_ref, rtol=1e-13)
    assert abs(cost - cost_ref) <= 1e-13

    prob = OTProblem(a, b, M, reg)
    for method, maxiter in (("sinkhorn-log", 4), ("sns", 3), ("sinkhorn-eps-scaling", 3)):
        opts = {"maxiter": maxiter, "check_every": 1, "warmup_maxiter": 1} if method == "sns" \\
            else {"maxiter": maxiter, "check_every": 1}
        gpu = optkit.minimize(prob, method=method, tol=1e-300, options=dict(opts, device="cuda"))
        cpu = optkit.minimize(prob, method=method, tol=1e-300, options=opts)
        assert gpu.nit == cpu.nit == maxiter, (method, gpu.message)
        # SNS: CG (tolerance 1e-10) amplifies the last-bit differences of the plans
        rtol = 1e-8 if method == "sns" else 1e-12
        np.testing.assert_allclose(gpu.x, cpu.x, rtol=rtol, atol=1e-14, err_msg=method)
        np.testing.assert_allclose(gpu.plan, cpu.plan, rtol=rtol, atol=1e-16, err_msg=method)
    P = optkit.ot.sinkhorn(a, b, M, reg, "sinkhorn_log", 3, device="cuda", warn=False)
    np.testing.assert_allclose(P, optkit.ot.sinkhorn(a, b, M, reg, "sinkhorn_log", 3, warn=False),
                               rtol=1e-12)
    print("CUDA-OK")
''')


def test_cuda_kernels_on_the_simulator():
    env = dict(os.environ)
    if not os.environ.get("OPTKIT_TEST_REAL_CUDA"):
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    proc = subprocess.run([sys.executable, "-c", "import optkit.ot\n" + SCRIPT], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "CUDA-OK" in proc.stdout, proc.stderr[-3000:]
