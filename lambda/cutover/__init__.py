"""The cutover controller: pure decision logic, typed models, and one gateway per AWS service."""
