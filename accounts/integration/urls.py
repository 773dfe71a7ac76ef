from django.urls import path

from accounts.integration import api

app_name = "integration"

urlpatterns = [
    path("customers/", api.CustomersView.as_view(), name="customers"),
    path("accounts/", api.AccountsView.as_view(), name="accounts"),
    path("balances/", api.BalancesView.as_view(), name="balances"),
    path("repayment-schedules/", api.RepaymentSchedulesView.as_view(), name="repayment-schedules"),
    path("score-updates/", api.ScoreUpdatesView.as_view(), name="score-updates"),
    path("risk-signals/", api.RiskSignalsView.as_view(), name="risk-signals"),
]
