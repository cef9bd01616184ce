#pragma once
// Where a reconstruction disagrees with its measurement, mapped back to the image:
//   e = Aᴴ|W^{1/2}(A x − b)| ⊘ Aᴴ1     (0 where Aᴴ1 ≤ 0)
// the back-projected absolute weighted residual, normalised by the back-projection of ones so
// that it is a weighted mean of the residuals of the measurements that see each pixel (in the
// measurement's units). For A = identity and W = 1 it is |x − b|.
#include <mirflow_physics/operator.hpp>

namespace mirflow::ir {

Image data_residual_map(const physics::LinearOperator& A, const Image& x, const Image& b, const Image& W = {});

}  // namespace mirflow::ir
