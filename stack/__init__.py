"""The migration stack: its constructs, configuration and toolchain."""

from stack import toolchain as toolchain  # registers the stack.cdk / stack.aws aliases first
