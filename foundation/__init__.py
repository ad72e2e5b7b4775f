"""What both the stack and its rules stand on: the framework and bindings of the chosen toolchain
(`foundation.cdk`, `foundation.aws`) and the cutover controller's contract. Nothing here imports `stack`
or `aspects`."""

from foundation import toolchain as toolchain  # registers the foundation.cdk / foundation.aws aliases first
