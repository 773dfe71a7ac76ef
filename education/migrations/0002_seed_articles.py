"""Seed the literacy catalogue: four topics, twelve original articles in Chinese and English,
quizzes for seven of them, and the "Content editor" group's permissions on learning content.

Reason codes (accounts.ReasonCode.article_slug) and the monthly health reports link to these
slugs, so they must not be renamed. Bodies are rendered with the same function the article
services use, so seeded and edited articles are sanitised alike."""

from django.db import migrations
from django.utils import timezone

from education.rendering import markdown_to_safe_html, reading_minutes
from portal.schema import group_permissions_grant

CONTENT_EDITOR = "Content editor"
CONTENT_MODELS = ["topic", "article", "quiz", "question", "choice"]

TOPICS = [
    # slug, order, name_zh, name_en, description_zh, description_en
    (
        "credit-basics",
        10,
        "信用基础",
        "Credit basics",
        "信用分、额度和使用率是怎么回事。",
        "What credit scores, limits and utilisation mean.",
    ),
    (
        "borrowing-and-repaying",
        20,
        "借款与还款",
        "Borrowing and repaying",
        "按时还款、借款成本，以及如何调低或关闭额度。",
        "Repaying on time, the cost of borrowing, and lowering or closing your limit.",
    ),
    (
        "managing-money",
        30,
        "管好日常的钱",
        "Managing everyday money",
        "预算、应急金，以及手头紧时怎么办。",
        "Budgets, emergency funds, and what to do when money is tight.",
    ),
    (
        "rights-and-safety",
        40,
        "权益与安全",
        "Your rights and safety",
        "如何申诉、识别诈骗、保护账户。",
        "How to appeal, spot fraud and protect your account.",
    ),
]

ARTICLES = [
    {
        "slug": "what-moves-a-credit-score",
        "topic": "credit-basics",
        "level": "beginner",
        "zh": {
            "title": "信用分是怎么变动的",
            "summary": "信用分不是神秘的数字。了解哪些行为会让它上升或下降，你就能慢慢把它养好。",
            "body": """信用分是贷款机构用来估计“借给你的钱能否按时收回”的一个数字。它不评价你的人品，只反映你过去使用信用的记录。分数高，通常意味着更容易获得额度、利率也可能更低；分数下降，机构可能会重新评估你的额度。

## 影响最大的几件事

**1. 是否按时还款。** 这是最重要的一项。哪怕只逾期几天，也可能被记录下来；逾期时间越长、次数越多，影响越大。反过来，长期按时还款是提高分数最可靠的办法。

**2. 用了多少额度。** 如果你的欠款接近额度上限，机构会认为你的资金比较紧张。一般来说，把欠款保持在额度的三成以下比较稳妥。详见《读懂额度使用率》。

**3. 信用记录有多长。** 使用信用的时间越长、记录越完整，机构越容易判断你的习惯。不要为了“清理”而随意注销用了很久、从未出问题的老账户。

**4. 最近申请了多少次借款。** 短时间内频繁申请贷款或信用卡，会被视为资金紧张的信号。每次申请前想一想是否真的需要。

**5. 其他账户的情况。** 你在其他机构的借款如果出现逾期，也会影响这里的评估。

## 分数下降了怎么办

- 先查明原因。我们调整额度时，通知里会写明最主要的原因，按重要程度排序。
- 马上处理逾期。尽快还清逾期款项，之后的每一次按时还款都会帮助分数回升。
- 降低欠款占比。先还一部分本金，让使用率降下来。
- 耐心。信用分反映的是一段时间的表现，通常需要几个月的良好记录才能明显回升。

## 常见误解

- **“查一次自己的信用报告就会降分。”** 不会。查询自己的报告属于个人查询，不影响评分。
- **“从不借钱的人分数最高。”** 不一定。没有记录时，机构很难判断，分数未必高。适度使用并按时还款，反而能建立良好记录。
- **“还清欠款后分数马上恢复。”** 逾期记录会保留一段时间，但会随着时间推移和新的良好记录逐渐减轻影响。

信用分是可以养回来的。最重要的三件事：按时还款、少用额度、不频繁申请。""",
        },
        "en": {
            "title": "What moves a credit score",
            "summary": "A credit score is not a mystery. Once you know what pushes it up or down, you can build it back steadily.",
            "body": """A credit score is a number lenders use to estimate how likely it is that money lent to you will be repaid on time. It does not judge you as a person; it only reflects how you have used credit in the past. A higher score usually makes credit easier to get, sometimes at a lower price. When a score falls, a lender may review the limit it gives you.

## The things that matter most

**1. Paying on time.** This is the biggest factor. Even a payment that is a few days late can be recorded, and the longer and more often payments are late, the bigger the effect. A long run of on-time payments is the most reliable way to raise a score.

**2. How much of your limit you use.** If your balance is close to your limit, lenders read it as a sign that money is tight. Keeping your balance below about 30% of your limit is a safe rule of thumb. See *Understanding utilisation*.

**3. How long your history is.** The longer and more complete your record, the easier it is to judge your habits. Think twice before closing an old account that has never caused trouble just to "tidy up".

**4. How often you have applied recently.** Many applications for loans or cards in a short time look like a sign of money trouble. Before each application, ask whether you really need it.

**5. Your other accounts.** Late payments on loans with other lenders also count in our assessment.

## If your score has fallen

- Find out why. When we change your limit, the notice lists the main reasons, most important first.
- Deal with anything overdue. Pay off overdue amounts as soon as you can; every on-time payment after that helps the score recover.
- Bring your balance down. Repaying part of the principal lowers your utilisation.
- Give it time. A score reflects behaviour over months, so it usually takes a few months of good records to recover clearly.

## Common myths

- **"Checking my own report lowers my score."** It does not. Looking at your own report is a personal enquiry and is not scored.
- **"People who never borrow have the best scores."** Not necessarily. With no record, a lender has little to go on. Modest use, repaid on time, builds a good record.
- **"My score bounces back as soon as I repay."** Late payments stay on record for a while, but their weight fades as time passes and new good records build up.

A score can be rebuilt. The three habits that matter most: pay on time, use less of your limit, and apply only when you need to.""",
        },
    },
    {
        "slug": "repaying-on-time",
        "topic": "borrowing-and-repaying",
        "level": "beginner",
        "zh": {
            "title": "按时还款的实用方法",
            "summary": "按时还款是维护信用最重要的一件事。几个简单的习惯，就能避免因为忘记或资金安排不当而逾期。",
            "body": """很多逾期并不是因为还不起，而是因为忘了、记错日期，或者还款那天账户里钱不够。下面这些方法能帮你避免这类“无心之失”。

## 先弄清楚三件事

1. **还款日是哪天。** 在“还款计划”页面可以看到每一期的日期和金额。
2. **每期要还多少。** 包括本金和利息。如果只还一部分，剩下的仍然算逾期。
3. **从哪个账户扣款。** 确认绑定的银行卡有效、余额充足。

## 让按时还款变成自动的事

- **设置提醒。** 在手机日历里，把还款日前三天设为提醒。我们也会在还款日前发通知，你可以在偏好设置中选择接收方式。
- **把还款日和发薪日对齐。** 如果工资在 10 号发，还款日在 5 号，就容易出现钱不够的情况。可以提前把还款金额单独留出来。
- **提前一两天还款。** 银行转账有时会延迟，不要等到最后一刻。
- **留一点缓冲。** 在扣款账户里多留一些钱，防止金额计算有误差。

## 如果这个月确实还不上

- **尽早联系我们。** 在还款日之前沟通，比逾期之后再处理选择更多。
- **能还多少先还多少。** 部分还款虽然不能避免逾期，但可以减少欠款和后续费用。
- **不要以贷还贷。** 为了还这笔钱去借一笔更贵的钱，往往会让情况更糟。
- 阅读《手头紧时怎么办》，了解可以采取的步骤。

## 逾期了会怎样

逾期会产生额外费用，可能被记录到信用报告中，也可能导致额度被调低或冻结。逾期越久，影响越大。一旦发生，最好的做法是：尽快还清逾期部分，然后坚持按时还款。良好的新记录会逐渐减轻旧记录的影响。

## 小结

按时还款靠的不是记性，而是安排：知道日期、设好提醒、提前留钱。做到这三点，大部分逾期都可以避免。""",
        },
        "en": {
            "title": "Repaying on time, made simple",
            "summary": "Paying on time is the single most important thing for your credit. A few simple habits stop you missing a payment by accident.",
            "body": """Many late payments do not happen because someone cannot pay. They happen because the date was forgotten or mixed up, or because the account was short on the day. These habits prevent that kind of accident.

## Know three things

1. **When each payment is due.** The *Repayment schedule* page shows every date and amount.
2. **How much is due.** Principal plus interest. Paying only part of it still leaves the rest overdue.
3. **Which account it is taken from.** Check that your linked bank card is valid and has enough money in it.

## Make paying on time automatic

- **Set reminders.** Put a reminder in your phone's calendar three days before each due date. We also send a reminder before the due date; choose how you receive it in your preferences.
- **Line up due dates with payday.** If you are paid on the 10th and the payment is due on the 5th, money can run short. Set the amount aside as soon as you are paid.
- **Pay a day or two early.** Bank transfers are sometimes delayed; don't leave it to the last minute.
- **Keep a small buffer.** Leave a little extra in the account the payment comes from, in case the amount is slightly different.

## If you really cannot pay this month

- **Talk to us early.** Before the due date there are more options than after it.
- **Pay what you can.** A part payment does not stop the payment being late, but it reduces what you owe and later charges.
- **Don't borrow to repay.** Taking a more expensive loan to pay this one usually makes things worse.
- Read *Handling financial hardship* for practical steps.

## What happens when a payment is late

A late payment can bring extra charges, may be reported to credit bureaus, and can lead to your limit being lowered or frozen. The longer it stays late, the bigger the effect. If it happens, the best response is to pay the overdue part as soon as possible and then keep every following payment on time. New good records gradually outweigh the old one.

## In short

Paying on time is not about memory; it is about planning. Know the date, set a reminder, put the money aside early. That prevents most late payments.""",
        },
    },
    {
        "slug": "the-cost-of-borrowing-often",
        "topic": "borrowing-and-repaying",
        "level": "advanced",
        "zh": {
            "title": "频繁借款的真实成本",
            "summary": "每次只借一点、随借随还看起来很方便，但频繁借款会悄悄推高成本，也会影响机构对你的评估。",
            "body": """“随借随还”的额度用起来很方便：手机上点几下，钱就到账了。正因为方便，很多人会在不知不觉中越借越频繁。这篇文章帮你算清楚其中的成本。

## 成本不只是利息

**利息按天累积。** 借款期间每天都在计息。单看日利率，数字很小，比如万分之五，但换算成年化利率约为 18%。借得越久、越频繁，累积的利息越多。

**看年化利率，而不是日利率。** 比较不同借款时，请看合同中写明的年化利率，它反映了真实的借款成本。

**小额多次不等于便宜。** 十次每次借一千元，和一次借一万元，如果总的借款天数相同，利息差不多；但频繁借款往往意味着欠款始终没有降下来。

## 对信用评估的影响

机构会关注“借款频率”。如果在短时间内多次提款，尤其是还款后马上又借出，会被看作资金持续紧张的信号。这可能导致：

- 额度被下调；
- 借款时被要求更多审核；
- 在其他机构申请贷款时更难通过。

如果我们因为借款频率调整了你的额度，通知中会写明这一原因。

## 怎样判断自己是否借得太频繁

问自己几个问题：

- 每个月是否都有几次提款？
- 是否经常用新借的钱去还旧的欠款？
- 如果停用额度一个月，日常开支会不会出问题？

如果有两个以上的答案是“是”，说明额度可能已经成为你日常收支的一部分，值得重新规划。

## 可以怎么做

1. **列出近三个月的每一笔提款**，看看钱都花在哪里。
2. **做一个月度预算**（参见《预算入门》），把固定开支和可选开支分开。
3. **建立应急金**，用自己的储蓄而不是借款来应对小的意外支出。
4. **把借款留给真正需要的时候**，并在借之前算好还款来源。

借款本身不是坏事，关键是让它成为偶尔使用的工具，而不是每月收入的一部分。""",
        },
        "en": {
            "title": "The cost of borrowing often",
            "summary": "Borrowing a little, often, feels convenient. But frequent draws quietly push up the cost and change how lenders see you.",
            "body": """A borrow-anytime credit line is convenient: a few taps and the money arrives. Because it is so easy, many people end up drawing on it more and more often without noticing. This article helps you see the real cost.

## The cost is more than the interest rate

**Interest adds up every day.** You pay interest for each day the money is borrowed. A daily rate looks tiny — 0.05% a day, say — but that is about 18% a year. The longer and more often you borrow, the more interest you pay.

**Compare annual rates, not daily ones.** When you compare ways of borrowing, use the annual percentage rate stated in the agreement. It shows the real cost.

**Many small loans are not cheaper.** Borrowing 1,000 ten times costs about the same interest as borrowing 10,000 once for the same total number of days. But frequent borrowing often means the balance never really comes down.

## How it affects your credit assessment

Lenders watch borrowing frequency. Many draws in a short time, especially borrowing again right after repaying, look like a sign that money is tight all the time. That can lead to:

- a lower limit;
- more checks when you borrow;
- a harder time getting credit elsewhere.

If we change your limit because of borrowing frequency, the notice says so.

## Are you borrowing too often?

Ask yourself:

- Do you draw on the line several times every month?
- Do you often use new borrowing to repay old borrowing?
- If the line were unavailable for a month, would everyday bills become a problem?

If you answered "yes" more than once, the credit line may have become part of your regular income, and it is worth replanning.

## What you can do

1. **List every draw from the last three months** and see where the money went.
2. **Make a monthly budget** (see *Budgeting basics*), separating fixed costs from optional spending.
3. **Build an emergency fund**, so small surprises are paid from savings rather than borrowing.
4. **Keep borrowing for real needs**, and know how you will repay before you draw.

Borrowing is not bad in itself. The aim is for credit to be a tool you use occasionally, not a part of every month's income.""",
        },
    },
    {
        "slug": "how-limits-are-set",
        "topic": "credit-basics",
        "level": "advanced",
        "zh": {
            "title": "额度是怎么确定和调整的",
            "summary": "你的额度不是一成不变的。了解机构根据哪些信息设置和调整额度，就能明白通知里的原因，也知道如何让额度恢复。",
            "body": """开通额度时，机构会根据你当时的情况给出一个额度。之后，额度会随着你的信用状况定期复核，可能上调，也可能下调或冻结。

## 额度主要看什么

- **信用分及其变化。** 分数明显下降是下调额度最常见的原因之一。
- **还款记录。** 是否按时还款，是否有逾期。
- **其他账户的情况。** 在其他机构的借款是否出现逾期。
- **借款行为。** 借款频率、还款速度等。频繁借款或还款越来越慢，都会被视为风险信号。
- **整体经济环境。** 在少数情况下，机构会根据整体风险状况统一收紧政策。

## 调整是怎么做出的

我们的风险政策会把上述信息转化为具体的决定，例如：信用分在一段时间内下降超过一定幅度，额度按一定比例下调。调整幅度较大的决定，需要工作人员复核后才会生效。

每一次额度变化都会记录在“额度历史”中，并同时给你发送通知。通知会写明：

1. 原来的额度和新的额度；
2. 最主要的原因（最多四条，按重要程度排序）；
3. 你可以做什么来改善；
4. 如果不同意，可以在什么时间之前提出申诉。

## 额度下调后，欠款怎么办

额度下调不会改变你已有的还款计划。已经借出的款项照常按计划归还。如果新额度低于你当前的欠款，只是暂时不能继续借款，并不需要立即还清差额。

## 怎样让额度恢复

- 针对通知中列出的原因逐条改善，比如还清逾期、降低使用率、减少借款频率。
- 保持几个月的良好记录。额度复核时，这些改善会被考虑进去。
- 如果你认为决定依据的信息有误，可以提出申诉（参见《如何对决定提出申诉》）。

额度是机构对风险的判断，它会随着你的行为而变化。了解规则，就能主动把它往好的方向推。""",
        },
        "en": {
            "title": "How limits are set and changed",
            "summary": "Your limit is not fixed. Knowing what a lender looks at helps you understand the reasons in a notice, and what brings a limit back.",
            "body": """When your line is opened, the lender sets a limit based on your situation at the time. After that, the limit is reviewed regularly against your credit record. It can go up, and it can be lowered or frozen.

## What a limit depends on

- **Your credit score and how it moves.** A clear fall in score is one of the most common reasons for a lower limit.
- **Your repayment record.** Whether you pay on time, and whether anything is overdue.
- **Your other accounts.** Whether loans with other lenders are overdue.
- **How you borrow.** How often you draw on the line and how quickly you repay. Borrowing very often, or repaying more and more slowly, are both risk signals.
- **The wider economy.** Occasionally a lender tightens its policy for everyone when overall risk rises.

## How a change is decided

Our risk policy turns this information into specific decisions; for example, if a score falls by more than a set number of points over a period, the limit is cut by a set share. Larger cuts only take effect after a member of staff has reviewed them.

Every change is recorded in your *Limit history*, and you are sent a notice at the same time. The notice tells you:

1. your old limit and your new limit;
2. the main reasons (at most four, most important first);
3. what you can do about them;
4. the date until which you can appeal if you disagree.

## What happens to what you owe

A lower limit does not change your repayment schedule. Money you have already borrowed is repaid as planned. If the new limit is below your balance, you simply cannot borrow more for now; you do not have to repay the difference at once.

## How to get a limit back

- Work through the reasons listed in the notice: clear anything overdue, lower your utilisation, borrow less often.
- Keep a few months of good records. Reviews take these improvements into account.
- If you think the decision was based on wrong information, appeal (see *How to appeal a decision*).

A limit is a lender's judgement of risk, and it follows your behaviour. Knowing the rules lets you move it in the right direction.""",
        },
    },
    {
        "slug": "how-closing-or-lowering-works",
        "topic": "borrowing-and-repaying",
        "level": "beginner",
        "zh": {
            "title": "主动调低或关闭额度是怎么回事",
            "summary": "你可以随时自己申请调低额度、暂停借款或关闭额度。了解流程和影响，做出适合自己的选择。",
            "body": """额度是为你服务的工具。如果你觉得额度太高、担心自己忍不住借款，或者暂时不再需要，可以主动申请调低、暂停或关闭。这是你的权利，不需要给出理由，也不需要打电话。

## 三种选择

- **调低额度：** 把额度降到你觉得合适的金额。
- **暂停新借款：** 额度保留，但暂时不能提款。
- **关闭额度：** 不再使用这条额度。

## 申请流程

在首页点击“管理我的额度”，按步骤完成：

1. 选择你想要的操作和新额度；
2. 查看变更会带来什么影响，哪些不会变；
3. 选择一个原因（可选，仅用于改进服务）；
4. 再次输入密码，并填写发到邮箱的验证码，确认是你本人操作；
5. 确认提交，获得带编号的回执。

## 冷静期

提交后有一段冷静期（回执上会写明结束时间）。在冷静期内，你可以随时一键撤回申请，额度不会发生任何变化。冷静期结束后，变更自动生效，并记录在额度历史中。

## 哪些不会改变

- **已有欠款照常还。** 调低或关闭额度不会让欠款提前到期，还款计划不变。
- **你仍然可以登录。** 查看余额、还款记录和通知，都不受影响。
- **信用记录。** 按时还清的记录会一直保留，对你的信用是加分项。

## 需要考虑的地方

- 关闭额度后，如果以后再需要，可能要重新申请，并重新评估。
- 额度降低后，如果欠款不变，使用率会上升。可以先还一部分欠款，再调低额度。
- 如果你是因为担心自己借得太多而申请，调低额度是一个很好的自我保护方法。

我们不会劝阻你调低或关闭额度。选择权在你手里。""",
        },
        "en": {
            "title": "How closing or lowering your limit works",
            "summary": "You can lower your limit, pause new borrowing or close your line yourself at any time. Know the steps and the effects, and choose what suits you.",
            "body": """Your credit line is a tool that works for you. If the limit feels too high, if you worry about being tempted to borrow, or if you simply don't need it for now, you can lower it, pause it or close it yourself. It is your right: you don't have to give a reason, and you don't have to phone anyone.

## Three choices

- **Lower the limit** to an amount you are comfortable with.
- **Pause new borrowing**: the limit stays, but you cannot draw on it for now.
- **Close the line**: you stop using it.

## The steps

On your dashboard, choose *Manage my limit* and follow the steps:

1. choose what you want to do and the new limit;
2. read what the change means and what stays the same;
3. pick a reason (optional; it only helps us improve);
4. enter your password again and the code we email you, so we know it is you;
5. confirm, and get a receipt with a reference number.

## The cooling-off period

After you submit, there is a cooling-off period (your receipt shows when it ends). During it you can withdraw the request with one click and nothing changes. When it ends, the change takes effect on its own and appears in your limit history.

## What does not change

- **You repay as before.** Lowering or closing your limit does not make what you owe due early; your repayment schedule stays the same.
- **You can still sign in** to see your balance, repayments and notices.
- **Your record.** A line repaid on time stays on your record and counts in your favour.

## Things to think about

- If you close the line and need credit later, you may have to apply again and be assessed again.
- Lowering the limit while the balance stays the same raises your utilisation. You might repay part of the balance first.
- If you are asking because you worry about borrowing too much, a lower limit is a good way to protect yourself.

We will never try to talk you out of lowering or closing your limit. The choice is yours.""",
        },
    },
    {
        "slug": "how-to-appeal-a-decision",
        "topic": "rights-and-safety",
        "level": "beginner",
        "zh": {
            "title": "如何对决定提出申诉",
            "summary": "如果你不同意额度被调低、冻结或其他决定，可以在线申诉。了解申诉需要什么、多久有结果。",
            "body": """当我们调低或冻结你的额度、清退账户，或拒绝你的申请时，你会收到一份通知，写明原因。如果你认为这个决定不对，可以提出申诉。申诉是你的权利，不会对你产生任何不利影响。

## 什么时候可以申诉

通知和“额度历史”页面会写明申诉截止时间。在截止时间之前，点击“对此决定提出申诉”即可开始。

## 申诉时需要说什么

我们已经掌握了做出决定时依据的原因和数据，你不需要重复提供。你只需要告诉我们：

- **为什么不同意。** 例如：信息有误（“那笔逾期我已经还清了”）、情况已经改变（“我已找到新工作”）、或者你认为原因与你的情况不符。
- **你希望的结果。** 例如恢复原额度，或者解除冻结。
- **证明材料（可选）。** 如还款凭证、收入证明的照片或 PDF。

## 申诉之后会发生什么

1. **立即确认。** 提交后你会看到申诉编号，以及我们做出决定的截止日期。
2. **专人处理。** 申诉由没有参与原决定的工作人员审核。
3. **可能需要补充材料。** 如果需要更多信息，我们会通知你，你可以在申诉页面直接回复。
4. **做出决定。** 我们会在规定期限内答复；情况复杂需要延期的，会提前告诉你原因和新的期限。

你可以像查快递一样，在“我的申诉”中随时查看进度：现在由谁处理、还缺什么、什么时候出结果。

## 结果出来以后

- **申诉成功：** 额度或状态会恢复，并记录在额度历史中。
- **维持原决定：** 答复中会说明理由。如果仍不同意，可以在规定时间内申请上一级复核。

## 几点建议

- 尽量说清楚事实和时间，比如“3 月 5 日已还清”。
- 材料照片要清晰，隐藏与申诉无关的个人信息。
- 申诉期间，请继续按时还款。

申诉不是对抗，而是让决定建立在准确信息上的一个渠道。""",
        },
        "en": {
            "title": "How to appeal a decision",
            "summary": "If you disagree with a lower limit, a freeze or another decision, you can appeal online. Here is what an appeal needs and how long it takes.",
            "body": """When we lower or freeze your limit, clear your account or turn down a request, you receive a notice with the reasons. If you think the decision is wrong, you can appeal. Appealing is your right and will never count against you.

## When you can appeal

The notice and your *Limit history* page show the deadline for appealing. Before that date, choose *Appeal this decision* to start.

## What to tell us

We already hold the reasons and data behind the decision, so you don't need to send them again. Just tell us:

- **Why you disagree.** For example: the information is wrong ("I repaid that overdue amount"), your situation has changed ("I have a new job"), or the reasons don't fit your circumstances.
- **What you would like to happen**, such as your limit restored or a freeze lifted.
- **Evidence (optional)**, such as a photo or PDF of a repayment receipt or proof of income.

## What happens next

1. **Confirmation at once.** You get a reference number and the date by which we will decide.
2. **A fresh pair of eyes.** Your appeal is reviewed by someone who did not make the original decision.
3. **Maybe a question.** If we need more information, we tell you, and you reply on the appeal's page.
4. **A decision.** We answer within the set time. If a complex case needs longer, we tell you why and the new date before the first one passes.

Follow your appeal like a parcel under *My appeals*: who has it, what is missing, and when a decision is due.

## After the decision

- **If your appeal succeeds**, your limit or status is restored and the change appears in your limit history.
- **If the decision stands**, we explain why. If you still disagree, you can ask for a second-level review within the time stated.

## Tips

- Be specific about facts and dates, for example "repaid in full on 5 March".
- Make photos of documents clear, and cover personal details that have nothing to do with the appeal.
- Keep repaying on time while your appeal is open.

An appeal is not a fight. It is a way to make sure decisions rest on accurate information.""",
        },
    },
    {
        "slug": "spotting-loan-fraud",
        "topic": "rights-and-safety",
        "level": "beginner",
        "zh": {
            "title": "识别借贷诈骗",
            "summary": "骗子常冒充贷款机构或客服，以“提额”“解冻”“退款”为名骗取钱财和验证码。记住几条规则，就能避开大多数骗局。",
            "body": """借贷诈骗的套路不断翻新，但核心往往相同：制造紧迫感，让你在来不及思考时交出钱或密码。

## 常见骗局

- **“提额”或“解冻”骗局。** 对方自称客服，说可以帮你提高额度或解除冻结，但要先交“保证金”“手续费”或“刷流水”。
- **“注销校园贷/账户异常”骗局。** 声称你的账户有问题，不处理会影响征信，引导你把钱转到“安全账户”。
- **“低息贷款”骗局。** 在社交平台推送“无抵押、秒到账”的贷款，放款前要求先付费。
- **冒充退款。** 以“商品有问题要退款”为由，引导你开通借款并转账。
- **索要验证码。** 以各种理由让你念出短信或邮件里的验证码。

## 记住这几条

1. **正规机构放款前不收任何费用。** 要求先交钱的“贷款”，基本都是诈骗。
2. **我们绝不会索要你的密码或验证码。** 验证码只在你自己操作时使用，任何人向你要，都要拒绝。
3. **没有“安全账户”。** 任何要求你把钱转到别人账户的说法都是骗局。
4. **额度调整只通过官方渠道。** 你的额度和状态以门户网站和官方应用显示为准，客服不能私下“操作”。
5. **不点陌生链接。** 只通过你自己输入的网址或官方应用登录。

## 如果你怀疑遇到了诈骗

- 立即停止沟通，不要转账。
- 通过官方渠道（网站或应用中公布的客服方式）核实。
- 如果已经泄露密码，马上修改密码，并开启两步验证。
- 如果已经转账，尽快联系银行并报警，保留聊天记录和转账凭证。

## 保护身边的人

老人和刚开始使用信用的年轻人更容易成为目标。把这些规则告诉家人，约定“涉及转账先打电话商量”，能挡住很多骗局。

一句话：**先付费的贷款、要验证码的客服、要转账的“安全账户”，都是骗局。**""",
        },
        "en": {
            "title": "Spotting loan fraud",
            "summary": "Fraudsters pose as lenders or customer service and use 'higher limits', 'unfreezing' or 'refunds' as bait for your money and codes. A few rules stop most scams.",
            "body": """Loan scams keep changing their story, but the core is usually the same: create urgency so that you hand over money or passwords before you have time to think.

## Common scams

- **"We can raise or unfreeze your limit."** Someone claiming to be customer service offers a higher limit or to lift a freeze, but first you must pay a "deposit", a "fee", or move money around to "show activity".
- **"Your account has a problem."** They say your account or an old loan will damage your credit record unless you act now, and steer you to move money to a "safe account".
- **"Low-interest loans, instant approval."** Offers on social media that ask you to pay something before the money is released.
- **Fake refunds.** "There is a problem with your order and we'll refund you" — followed by instructions to open a loan and transfer money.
- **Asking for codes.** Any reason at all to get you to read out a code from a text message or email.

## Rules to remember

1. **Real lenders never charge a fee before lending.** A "loan" that needs money up front is almost always a scam.
2. **We never ask for your password or verification codes.** Codes are only for you to use yourself. Whoever asks for one, say no.
3. **There is no such thing as a "safe account".** Anyone asking you to move money to another account is a fraudster.
4. **Limits change only through official channels.** Your limit and status are what the portal and the official app show; no agent can "adjust" them privately.
5. **Don't follow unknown links.** Sign in only by typing the address yourself or through the official app.

## If you think you have met a scam

- Stop the conversation and don't transfer anything.
- Check through the official channels listed on our website or app.
- If you have given away your password, change it now and turn on two-factor authentication.
- If you have sent money, contact your bank and the police at once, and keep the messages and transfer records.

## Protect the people around you

Older relatives and people new to credit are common targets. Share these rules with your family, and agree to call each other before any transfer. It stops many scams.

In one line: **a loan that needs a fee first, an agent who wants your code, a "safe account" for your money — all are scams.**""",
        },
    },
    {
        "slug": "building-an-emergency-fund",
        "topic": "managing-money",
        "level": "beginner",
        "zh": {
            "title": "建立应急金",
            "summary": "应急金是为意外准备的一笔钱。有了它，生病、失业或家电坏了时，你不必借钱，也不会打乱还款计划。",
            "body": """生活中总有意外：手机摔坏、家人生病、收入突然减少。如果没有准备，很多人只能借钱应对，而借款又会带来利息和还款压力。应急金就是为了打破这个循环。

## 应急金要存多少

- **第一个目标：一个月的必要开支。** 包括房租或房贷、水电、吃饭、交通和每月还款。
- **长期目标：三到六个月的必要开支。** 收入不稳定、一个人养家或行业波动大的人，可以存得更多。

先算清楚你每月的必要开支是多少，再定目标。不要被大数字吓到，先从小目标开始。

## 怎么存起来

1. **发工资当天先存。** 把一笔固定金额自动转入单独的账户，剩下的再用于日常开支。哪怕每月只存几百元，一年下来也很可观。
2. **把意外收入存起来。** 奖金、退税、红包，拿出一部分放进应急金。
3. **减少一项可有可无的开支。** 比如少点几次外卖，把省下的钱直接转入应急金。
4. **和日常账户分开。** 放在一个不容易随手花掉、但需要时能很快取出的地方，比如活期存款或随时可赎回的低风险产品。

## 什么时候用

应急金只用于**真正的意外和必要支出**：医疗、必须的维修、失业期间的生活费。打折促销、旅行、换新手机都不算。

用掉之后，要把“补回应急金”作为下一阶段的优先任务。

## 应急金和信用额度

有人觉得“我有信用额度，就不需要应急金”。但额度可能因为信用变化被调低或冻结，而且借款要付利息。应急金是你自己的钱，什么时候都能用，不花利息。

## 小结

先定一个月开支的小目标，发工资先存，和日常账户分开，只为真正的意外使用。有了应急金，你面对意外时会从容很多。""",
        },
        "en": {
            "title": "Building an emergency fund",
            "summary": "An emergency fund is money set aside for surprises. With it, an illness, a lost job or a broken fridge doesn't force you to borrow or upset your repayments.",
            "body": """Life brings surprises: a broken phone, a family member falls ill, income drops suddenly. Without a cushion, many people have to borrow, and borrowing brings interest and more payments. An emergency fund breaks that cycle.

## How much to save

- **First target: one month of essential costs.** Rent or mortgage, utilities, food, transport and your monthly repayments.
- **Longer-term target: three to six months of essential costs.** If your income is irregular, you support a family alone, or your industry has ups and downs, aim higher.

Work out your essential monthly costs first, then set the target. Don't let the big number put you off; start with a small goal.

## How to build it

1. **Save on payday, first.** Move a fixed amount to a separate account automatically as soon as you are paid, then live on the rest. Even a small amount each month adds up over a year.
2. **Save windfalls.** Put part of any bonus, tax refund or cash gift into the fund.
3. **Cut one optional expense.** For example, order takeaway a few times less and move the money saved straight into the fund.
4. **Keep it apart from everyday money.** Somewhere you won't spend it on impulse but can reach quickly when needed, such as an instant-access savings account.

## When to use it

Use the fund only for **real emergencies and necessities**: medical costs, essential repairs, living costs while out of work. Sales, holidays and a new phone don't count.

After you use it, make refilling it your next priority.

## Emergency funds and credit lines

Some people think "I have a credit line, so I don't need savings". But a limit can be lowered or frozen if your credit changes, and borrowing costs interest. An emergency fund is your own money: always available, and interest-free.

## In short

Start with one month of costs, save on payday, keep the fund separate, and use it only for real emergencies. With a fund in place, surprises become much easier to face.""",
        },
    },
    {
        "slug": "understanding-utilisation",
        "topic": "credit-basics",
        "level": "intermediate",
        "zh": {
            "title": "读懂额度使用率",
            "summary": "额度使用率就是你用了多少额度。它是信用评估中最容易被你自己改善的一项。",
            "body": """额度使用率 = 当前欠款 ÷ 信用额度。比如额度 10,000 元，欠款 7,500 元，使用率就是 75%。

## 为什么它很重要

机构用使用率来判断你的资金是否紧张。使用率长期很高，说明你很依赖借款，遇到意外时可能没有余地，这会让信用分下降，也可能导致额度被调低。

一般来说：

- **30% 以下：** 比较健康。
- **30%–70%：** 需要留意，尽量往下降。
- **70% 以上：** 风险信号明显，建议优先处理。

## 使用率是怎么算的

- 看的是**欠款余额**，不是你这个月借了多少次。
- 如果你有多条额度，机构既看每一条，也看总的使用率。
- 额度被调低时，即使欠款不变，使用率也会上升。例如额度从 10,000 元降到 8,000 元，欠款 6,000 元，使用率就从 60% 变成 75%。

## 怎样降低使用率

1. **先还本金。** 有多余的钱时，提前还一部分欠款，是降低使用率最直接的方式。
2. **分几次还。** 不必等到还款日，发工资后就先还一部分，月中的余额会更低。
3. **减少新的提款。** 在使用率降下来之前，尽量不要再借。
4. **不要为了“降低使用率”去别处借钱还这里。** 总欠款没有变少，还增加了成本和申请记录。

## 一个例子

小王的额度是 20,000 元，欠款 16,000 元，使用率 80%。他每月能多拿出 1,500 元还本金，同时暂停提款。大约三个月后，欠款降到 11,500 元左右，使用率约 58%；再坚持几个月，就能降到 30% 左右。在这个过程中，他的信用状况也会逐渐改善。

## 小结

使用率是你最能掌控的一项信用指标：少借、早还、先还本金。降下来之后，额度复核时会被考虑进去。""",
        },
        "en": {
            "title": "Understanding utilisation",
            "summary": "Utilisation is how much of your limit you are using. It is the part of your credit assessment you can improve most directly.",
            "body": """Utilisation = your current balance ÷ your credit limit. With a limit of 10,000 and a balance of 7,500, your utilisation is 75%.

## Why it matters

Lenders use utilisation to judge whether money is tight. High utilisation over a long time shows heavy reliance on borrowing and little room for surprises. It can lower your credit score and can lead to a lower limit.

As a rough guide:

- **Under 30%:** healthy.
- **30% to 70%:** worth watching; try to bring it down.
- **Over 70%:** a clear warning sign; make it a priority.

## How it is worked out

- It is based on your **balance**, not on how many times you borrowed this month.
- If you have several credit lines, lenders look at each one and at the total.
- When a limit is lowered, utilisation rises even if your balance stays the same. If the limit goes from 10,000 to 8,000 with a balance of 6,000, utilisation jumps from 60% to 75%.

## How to bring it down

1. **Repay principal.** When you have money to spare, repaying part of the balance early is the most direct way to lower utilisation.
2. **Repay in several steps.** You don't have to wait for the due date; pay something right after payday so the balance is lower during the month.
3. **Pause new borrowing** until utilisation has come down.
4. **Don't borrow elsewhere to pay this line.** Your total debt stays the same, and you add costs and applications to your record.

## An example

Wang has a limit of 20,000 and a balance of 16,000: 80% utilisation. He finds an extra 1,500 a month for principal and stops drawing on the line. After about three months his balance is around 11,500, roughly 58%. A few more months bring it near 30%, and his credit picture improves along the way.

## In short

Utilisation is the credit measure you control best: borrow less, repay earlier, pay down principal. Once it is lower, reviews of your limit take it into account.""",
        },
    },
    {
        "slug": "budgeting-basics",
        "topic": "managing-money",
        "level": "beginner",
        "zh": {
            "title": "预算入门",
            "summary": "预算不是让你什么都不能买，而是让你清楚钱去了哪里。一个简单的方法，十分钟就能开始。",
            "body": """很多人听到“做预算”就觉得麻烦。其实预算只是一个计划：每个月的钱先分好用途，再去花。下面介绍一个简单、好上手的方法。

## 第一步：算清楚收入

写下每月**到手**的收入，也就是扣除社保和税以后实际到账的钱。如果收入不固定，就用过去几个月里最低的那个月作为基准。

## 第二步：列出支出

把支出分成三类：

- **必要开支：** 房租或房贷、水电燃气、基本饮食、交通、通讯费、每月还款。
- **储蓄：** 应急金、教育或养老等长期目标。
- **可选开支：** 外出就餐、娱乐、购物、旅行。

翻一翻最近一两个月的支付记录，比凭感觉估算准确得多。

## 第三步：分配比例

一个常用的参考是“50/20/30”：

- 必要开支约占 50%；
- 储蓄和提前还款约占 20%；
- 可选开支约占 30%。

这只是起点。如果必要开支已经超过 60%，就要看看哪些能降低，比如换更便宜的套餐、和别人合租。

## 第四步：坚持和调整

- **发工资当天先存钱、先还款，** 剩下的才是可以花的。
- **每周花五分钟看一下** 可选开支用了多少。
- **每月底回顾一次，** 哪里超了，下个月怎么调整。

## 关于借款的一条规则

如果你发现每个月都要靠借款才能撑到发工资，说明支出超过了收入。这时再借只会让问题变大。先用预算找出缺口，从可选开支开始削减，必要时参阅《手头紧时怎么办》。

## 小工具

纸笔、手机备忘录、表格或记账应用都可以。工具不重要，重要的是每个月都做。

预算给你的不是限制，而是安心：知道钱够不够用，知道下一步该做什么。""",
        },
        "en": {
            "title": "Budgeting basics",
            "summary": "A budget doesn't stop you buying things; it shows you where your money goes. Here is a simple method you can start in ten minutes.",
            "body": """Many people find the word "budget" off-putting. A budget is just a plan: decide what each month's money is for before you spend it. Here is a simple method that is easy to start.

## Step 1: know your income

Write down your monthly **take-home** pay: what actually arrives after tax and social insurance. If your income varies, use your lowest month of the last few as the baseline.

## Step 2: list your spending

Sort spending into three groups:

- **Essentials:** rent or mortgage, utilities, basic food, transport, phone, monthly repayments.
- **Savings:** emergency fund and long-term goals such as education or retirement.
- **Optional:** eating out, entertainment, shopping, travel.

Look through your payment records for the last month or two; that is far more accurate than guessing.

## Step 3: split the money

A common starting point is "50/20/30":

- about 50% for essentials;
- about 20% for savings and extra repayments;
- about 30% for optional spending.

It is only a starting point. If essentials already take more than 60%, look at what could cost less, such as a cheaper phone plan or sharing a flat.

## Step 4: keep going and adjust

- **On payday, save and repay first**; what is left is yours to spend.
- **Take five minutes a week** to see how much optional spending you have used.
- **Review at the end of each month**: where did you go over, and what will you change?

## One rule about borrowing

If you need to borrow every month to reach payday, you are spending more than you earn, and more borrowing only makes the gap bigger. Use your budget to find the gap, cut optional spending first, and see *Handling financial hardship* if you need more help.

## Tools

Pen and paper, a phone note, a spreadsheet or a budgeting app all work. The tool matters less than doing it every month.

A budget is not a restriction. It gives you peace of mind: you know whether the money is enough, and what to do next.""",
        },
    },
    {
        "slug": "handling-financial-hardship",
        "topic": "managing-money",
        "level": "intermediate",
        "zh": {
            "title": "手头紧时怎么办",
            "summary": "失业、生病或收入下降时，还款可能变得困难。越早面对、越早沟通，可以选择的办法越多。",
            "body": """每个人都可能遇到经济困难。重要的是不要回避，越早采取行动，损失越小。

## 第一步：弄清楚现状

把下面几件事写在一张纸上：

- 每月到手收入（现在的，而不是以前的）；
- 必要开支：房租、饮食、水电、交通、医疗；
- 所有欠款：欠谁、欠多少、每月还多少、什么时候到期；
- 手头能动用的存款。

看清楚缺口有多大，才能找到合适的办法。

## 第二步：先保障基本生活

住房、吃饭、水电和必要的医疗排在最前面。在此基础上再安排还款。不要为了还一笔欠款而断了基本生活。

## 第三步：尽早沟通

- **在还款日之前联系我们。** 说明你的情况，了解有哪些可行的安排。
- **对其他债权人也一样。** 主动沟通比逾期后被动处理好得多。
- **说实话。** 真实的情况才能换来切实可行的方案。

## 第四步：减少开支、增加收入

- 暂停所有可选开支，取消不用的订阅。
- 看看是否有可以出售的闲置物品。
- 了解是否符合失业保险、医疗救助等补助条件。
- 考虑临时或兼职工作。

## 需要避免的做法

- **以贷还贷。** 借新还旧会让总欠款越来越大，成本越来越高。
- **相信“征信修复”“债务代还”。** 这类收费服务很多是骗局，参见《识别借贷诈骗》。
- **不接电话、不看通知。** 回避不会让问题消失，只会错过解决的机会。

## 关于你的额度

如果你担心自己在困难时期继续借款，可以主动调低额度或暂停新借款（参见《主动调低或关闭额度是怎么回事》）。这不影响你已有的还款计划。

## 照顾好自己

经济压力会影响睡眠和情绪。和信任的家人或朋友聊一聊，必要时寻求专业的心理支持。困难是暂时的，一步一步来。""",
        },
        "en": {
            "title": "Handling financial hardship",
            "summary": "Losing a job, illness or a drop in income can make repayments hard. The earlier you face it and talk to lenders, the more options you have.",
            "body": """Anyone can run into money trouble. What matters is not to look away: the sooner you act, the less it costs you.

## Step 1: see where you stand

Write these down on one page:

- your monthly take-home income (as it is now, not as it was);
- essential costs: housing, food, utilities, transport, medical care;
- everything you owe: to whom, how much, how much each month, and when;
- the savings you can use.

Only when you can see the size of the gap can you find the right way through.

## Step 2: protect the basics first

Housing, food, utilities and necessary medical care come first. Plan repayments around them. Don't give up the basics to repay one debt.

## Step 3: talk early

- **Contact us before the due date.** Explain your situation and ask what arrangements are possible.
- **Do the same with other lenders.** Talking early is far better than dealing with it after payments are late.
- **Be honest.** A realistic plan needs the real picture.

## Step 4: spend less, bring in more

- Stop optional spending and cancel subscriptions you don't use.
- See whether there is anything you could sell.
- Check whether you qualify for unemployment insurance, medical assistance or other support.
- Consider temporary or part-time work.

## What to avoid

- **Borrowing to repay.** New loans to pay old ones make the total grow and the cost rise.
- **"Credit repair" or "debt clearing" services that charge a fee.** Many are scams; see *Spotting loan fraud*.
- **Ignoring calls and notices.** Avoidance doesn't make the problem go away; it only means missing chances to solve it.

## About your credit line

If you worry about borrowing more while times are hard, you can lower your limit or pause new borrowing yourself (see *How closing or lowering your limit works*). Your existing repayment schedule stays the same.

## Look after yourself

Money worries affect sleep and mood. Talk to family or friends you trust, and seek professional support if you need it. Hard times pass; take them one step at a time.""",
        },
    },
    {
        "slug": "protecting-your-account",
        "topic": "rights-and-safety",
        "level": "beginner",
        "zh": {
            "title": "保护你的账户安全",
            "summary": "一个强密码加上两步验证，可以挡住绝大多数账户被盗的风险。再养成几个好习惯，账户就更安全了。",
            "body": """你的账户里有身份信息、额度和还款记录。保护好它，就是保护你的钱和信用。

## 设置一个好密码

- **长比复杂更重要。** 用几个不相关的词组成的长密码，比短而复杂的密码更安全，也更好记。
- **每个网站用不同的密码。** 一个网站泄露了，其他账户也不会受牵连。
- **使用密码管理器，** 让它帮你生成和记住密码。
- 不要用生日、手机号、身份证号等容易被猜到的信息。

## 开启两步验证

两步验证是在密码之外再加一道锁：登录时，除了密码，还要输入手机验证器应用上生成的一次性验证码。即使密码被别人知道，没有你的手机也登录不了。

在“账户设置”中选择“两步验证”即可开启，只需要几分钟。请同时保存好恢复码，放在安全的地方。

## 识别假冒网站和消息

- 只通过自己输入的网址或官方应用登录，不要点击短信、邮件里的陌生链接。
- 我们不会通过电话、短信或邮件索要你的密码或验证码。
- 收到“账户异常，请立即验证”之类的消息，先通过官方渠道核实。

## 日常好习惯

- 不在公共电脑上登录；如果用过，记得退出。
- 手机设置锁屏密码，及时更新系统和应用。
- 定期查看通知和额度历史，发现不认识的操作立即处理。
- 换了手机号或邮箱，及时更新账户信息。

## 如果发现异常

1. 立即修改密码；
2. 确认两步验证仍然开启，如有需要重新设置；
3. 检查额度历史和通知，看是否有不是你做的操作；
4. 通过官方渠道联系客服说明情况。

账户安全不需要高深的技术，只需要一个好密码、两步验证，以及对陌生链接多一分警惕。""",
        },
        "en": {
            "title": "Protecting your account",
            "summary": "A strong password plus two-factor authentication blocks almost every account takeover. A few good habits make your account safer still.",
            "body": """Your account holds your identity details, your limit and your repayment record. Protecting it protects your money and your credit.

## Choose a good password

- **Length beats complexity.** A long password made of several unrelated words is safer than a short, complicated one, and easier to remember.
- **Use a different password for every site.** If one site leaks, your other accounts stay safe.
- **Use a password manager** to create and remember passwords for you.
- Avoid anything easy to guess: birthdays, phone numbers, ID numbers.

## Turn on two-factor authentication

Two-factor authentication adds a second lock besides your password: when you sign in, you also enter a one-time code from an authenticator app on your phone. Even if someone learns your password, they cannot sign in without your phone.

Choose *Two-factor authentication* in your account settings to turn it on; it takes a few minutes. Keep your recovery codes somewhere safe.

## Recognise fake sites and messages

- Sign in only by typing the address yourself or through the official app; don't follow links in unexpected texts or emails.
- We never ask for your password or codes by phone, text or email.
- If a message says "unusual activity, verify now", check through official channels first.

## Everyday habits

- Don't sign in on shared computers; if you must, sign out afterwards.
- Lock your phone with a passcode and keep its system and apps up to date.
- Look at your notices and limit history now and then, and act on anything you don't recognise.
- Update your phone number or email address when they change.

## If something looks wrong

1. Change your password at once;
2. check that two-factor authentication is still on, and set it up again if needed;
3. look through your limit history and notices for anything you did not do;
4. contact customer service through the official channels.

Account security needs no special skills: a good password, two-factor authentication, and a healthy suspicion of unexpected links.""",
        },
    },
]

# slug → language → questions: (question, explanation, [(choice, is_correct), ...])
QUIZZES = {
    "what-moves-a-credit-score": {
        "zh": [
            (
                "对信用分影响最大的通常是哪一项？",
                "是否按时还款是最重要的因素。长期按时还款是提高信用分最可靠的办法。",
                [("是否按时还款", True), ("手机品牌", False), ("查询自己信用报告的次数", False)],
            ),
            (
                "查询自己的信用报告会降低信用分吗？",
                "不会。查询自己的报告属于个人查询，不影响评分。频繁申请贷款才会被视为风险信号。",
                [("会，每查一次降一点", False), ("不会，个人查询不影响评分", True), ("只有在晚上查询才会", False)],
            ),
            (
                "下面哪种做法最有助于信用分回升？",
                "还清逾期并把欠款占额度的比例降下来，再坚持按时还款，分数会逐步回升。",
                [("短时间内多申请几笔贷款", False), ("还清逾期并降低欠款占比", True), ("注销所有老账户", False)],
            ),
        ],
        "en": [
            (
                "Which usually matters most for a credit score?",
                "Paying on time is the biggest factor. A long run of on-time payments is the most reliable way to raise a score.",
                [
                    ("Paying on time", True),
                    ("The brand of your phone", False),
                    ("How often you check your own report", False),
                ],
            ),
            (
                "Does checking your own credit report lower your score?",
                "No. Looking at your own report is a personal enquiry and is not scored. Many loan applications in a short time are what count against you.",
                [
                    ("Yes, a little each time", False),
                    ("No, checking your own report is not scored", True),
                    ("Only if you check at night", False),
                ],
            ),
            (
                "Which of these helps a score recover most?",
                "Clearing anything overdue and bringing your balance down, then paying on time, lets the score recover step by step.",
                [
                    ("Applying for several loans quickly", False),
                    ("Clearing overdue amounts and lowering your balance", True),
                    ("Closing all your old accounts", False),
                ],
            ),
        ],
    },
    "repaying-on-time": {
        "zh": [
            (
                "只还了一期中的一部分金额，会怎样？",
                "部分还款可以减少欠款，但剩下未还的部分仍然算逾期。",
                [("这一期就算按时还清了", False), ("未还的部分仍算逾期", True), ("下一期自动免还", False)],
            ),
            (
                "发薪日在还款日之后，最好的做法是？",
                "提前把还款金额留出来，或设置提醒、提前还款，避免还款日当天钱不够。",
                [("提前把还款金额单独留出来", True), ("等逾期后再还", False), ("每次都借一笔新的来还", False)],
            ),
            (
                "预计这个月还不上，应该什么时候联系我们？",
                "在还款日之前沟通，可以选择的办法最多。",
                [("逾期三个月以后", False), ("还款日之前，越早越好", True), ("不用联系，等通知就行", False)],
            ),
        ],
        "en": [
            (
                "What happens if you pay only part of an installment?",
                "A part payment reduces what you owe, but the unpaid rest is still late.",
                [
                    ("The installment counts as paid on time", False),
                    ("The unpaid part is still late", True),
                    ("The next installment is waived", False),
                ],
            ),
            (
                "Your payday comes after your due date. What is the best plan?",
                "Set the repayment aside early, set a reminder or pay ahead, so the account is not short on the due date.",
                [
                    ("Set the repayment amount aside in advance", True),
                    ("Wait until it is overdue", False),
                    ("Borrow again each month to pay it", False),
                ],
            ),
            (
                "You expect you cannot pay this month. When should you contact us?",
                "Before the due date: talking early leaves the most options open.",
                [
                    ("Three months after it is overdue", False),
                    ("Before the due date, as early as possible", True),
                    ("Never; just wait for a notice", False),
                ],
            ),
        ],
    },
    "understanding-utilisation": {
        "zh": [
            (
                "额度 10,000 元，欠款 7,500 元，使用率是多少？",
                "使用率 = 欠款 ÷ 额度 = 7,500 ÷ 10,000 = 75%。",
                [("25%", False), ("75%", True), ("133%", False)],
            ),
            (
                "欠款不变，额度被调低，使用率会怎样？",
                "分母变小，使用率会上升。例如欠款 6,000 元，额度从 10,000 元降到 8,000 元，使用率从 60% 变成 75%。",
                [("上升", True), ("下降", False), ("不变", False)],
            ),
            (
                "降低使用率最直接的办法是？",
                "提前偿还一部分本金，欠款余额变小，使用率就降下来了。去别处借钱来还并不会减少总欠款。",
                [("提前偿还一部分本金", True), ("在别的机构借钱还这里", False), ("多申请几条新额度", False)],
            ),
        ],
        "en": [
            (
                "Your limit is 10,000 and your balance is 7,500. What is your utilisation?",
                "Utilisation = balance ÷ limit = 7,500 ÷ 10,000 = 75%.",
                [("25%", False), ("75%", True), ("133%", False)],
            ),
            (
                "Your balance stays the same and your limit is lowered. What happens to utilisation?",
                "The limit is the divisor, so utilisation rises: a 6,000 balance on a limit cut from 10,000 to 8,000 goes from 60% to 75%.",
                [("It rises", True), ("It falls", False), ("It stays the same", False)],
            ),
            (
                "What lowers utilisation most directly?",
                "Repaying part of the principal early makes the balance smaller. Borrowing elsewhere to pay doesn't reduce what you owe in total.",
                [
                    ("Repaying part of the principal early", True),
                    ("Borrowing from another lender to repay", False),
                    ("Applying for several new credit lines", False),
                ],
            ),
        ],
    },
    "spotting-loan-fraud": {
        "zh": [
            (
                "有人说交 500 元“保证金”就能帮你提额，你应该？",
                "正规机构放款、调额前都不会收取任何费用。要求先交钱的，基本都是诈骗。",
                [("先交钱，提额后再说", False), ("拒绝，并通过官方渠道核实", True), ("交一半试试", False)],
            ),
            (
                "自称客服的人向你要短信验证码，你应该？",
                "我们绝不会索要你的密码或验证码。验证码只在你自己操作时使用。",
                [("告诉他，方便处理", False), ("拒绝，任何人都不应索要验证码", True), ("只告诉他前三位", False)],
            ),
            (
                "对方要求你把钱转到“安全账户”，这是？",
                "不存在所谓的“安全账户”。要求转账到别人账户的都是骗局。",
                [("银行的保护措施", False), ("诈骗", True), ("正常的账户升级流程", False)],
            ),
        ],
        "en": [
            (
                "Someone offers to raise your limit if you pay a 500 'deposit'. What do you do?",
                "Real lenders never charge a fee before lending or changing a limit. Money up front almost always means fraud.",
                [
                    ("Pay, then see what happens", False),
                    ("Refuse and check through official channels", True),
                    ("Pay half to test them", False),
                ],
            ),
            (
                "Someone claiming to be customer service asks for the code in your text message. What do you do?",
                "We never ask for your password or verification codes. Codes are only for you to use yourself.",
                [
                    ("Tell them, so they can help", False),
                    ("Refuse: nobody should ask for your code", True),
                    ("Tell them only the first three digits", False),
                ],
            ),
            (
                "You are asked to move your money to a 'safe account'. What is this?",
                "There is no such thing as a 'safe account'. Anyone asking you to move money to another account is a fraudster.",
                [("A bank protection measure", False), ("A scam", True), ("A normal account upgrade", False)],
            ),
        ],
    },
    "building-an-emergency-fund": {
        "zh": [
            (
                "建立应急金的第一个目标，建议是多少？",
                "先存够一个月的必要开支，再逐步增加到三到六个月。",
                [("一个月的必要开支", True), ("一年的全部收入", False), ("一部新手机的钱", False)],
            ),
            (
                "下面哪种情况适合动用应急金？",
                "应急金只用于真正的意外和必要支出，比如医疗费用。",
                [("商场打折", False), ("家人生病需要看病", True), ("周末旅行", False)],
            ),
            (
                "有了信用额度，还需要应急金吗？",
                "需要。额度可能被调低或冻结，借款还要付利息；应急金是自己的钱，随时可用且没有利息。",
                [
                    ("不需要，额度就够了", False),
                    ("需要，额度可能变化且借款有利息", True),
                    ("只有没有额度的人才需要", False),
                ],
            ),
        ],
        "en": [
            (
                "What is a sensible first target for an emergency fund?",
                "Start with one month of essential costs, then build up to three to six months.",
                [
                    ("One month of essential costs", True),
                    ("A whole year's income", False),
                    ("The price of a new phone", False),
                ],
            ),
            (
                "Which of these is a good reason to use the fund?",
                "The fund is for real emergencies and necessities, such as medical costs.",
                [
                    ("A big sale at the shops", False),
                    ("A family member needs medical care", True),
                    ("A weekend trip", False),
                ],
            ),
            (
                "If you have a credit line, do you still need an emergency fund?",
                "Yes. A limit can be lowered or frozen and borrowing costs interest; your own savings are always there and interest-free.",
                [
                    ("No, the credit line is enough", False),
                    ("Yes: limits can change and borrowing costs interest", True),
                    ("Only people without credit need one", False),
                ],
            ),
        ],
    },
    "budgeting-basics": {
        "zh": [
            (
                "做预算时，收入应该按哪个数字算？",
                "按每月实际到手的收入算，也就是扣除税和社保后的金额。",
                [("税前工资", False), ("每月实际到手的收入", True), ("希望明年能拿到的收入", False)],
            ),
            (
                "在“50/20/30”方法中，20% 用于？",
                "20% 用于储蓄和提前还款；50% 用于必要开支，30% 用于可选开支。",
                [("储蓄和提前还款", True), ("外出就餐", False), ("房租", False)],
            ),
            (
                "每个月都要靠借款才能撑到发工资，说明什么？",
                "说明支出超过了收入，继续借款只会让缺口变大。应先用预算找出缺口，从可选开支开始削减。",
                [("一切正常", False), ("支出超过了收入，需要调整预算", True), ("应该申请更高的额度", False)],
            ),
        ],
        "en": [
            (
                "Which income figure should a budget use?",
                "Your take-home pay: what actually arrives after tax and social insurance.",
                [
                    ("Pay before tax", False),
                    ("Monthly take-home pay", True),
                    ("What you hope to earn next year", False),
                ],
            ),
            (
                "In the '50/20/30' split, what is the 20% for?",
                "20% goes to savings and extra repayments; 50% to essentials and 30% to optional spending.",
                [("Savings and extra repayments", True), ("Eating out", False), ("Rent", False)],
            ),
            (
                "You need to borrow every month to reach payday. What does that tell you?",
                "You are spending more than you earn, and more borrowing makes the gap bigger. Find the gap with a budget and cut optional spending first.",
                [
                    ("Everything is fine", False),
                    ("Spending is above income; the budget needs to change", True),
                    ("You should ask for a higher limit", False),
                ],
            ),
        ],
    },
    "how-to-appeal-a-decision": {
        "zh": [
            (
                "申诉时，需要重新提供做出决定时依据的数据吗？",
                "不需要。我们已经掌握决定的原因和数据，你只需要说明为什么不同意。",
                [("需要，全部重新提交", False), ("不需要，只说明为什么不同意", True), ("需要先打电话申请", False)],
            ),
            (
                "谁来审核你的申诉？",
                "申诉由没有参与原决定的工作人员审核，保证有人重新独立地看一遍。",
                [
                    ("做出原决定的同一个人", False),
                    ("没有参与原决定的工作人员", True),
                    ("系统自动处理，不经人工", False),
                ],
            ),
            (
                "申诉期间，还款应该怎样？",
                "申诉期间请继续按时还款，避免产生新的逾期记录。",
                [("暂停还款，等结果", False), ("继续按时还款", True), ("只还利息", False)],
            ),
        ],
        "en": [
            (
                "When you appeal, do you need to resend the data behind the decision?",
                "No. We already hold the reasons and data; you only tell us why you disagree.",
                [
                    ("Yes, all of it", False),
                    ("No, just say why you disagree", True),
                    ("You must phone first to ask", False),
                ],
            ),
            (
                "Who reviews your appeal?",
                "Someone who did not make the original decision, so your case gets a genuinely fresh look.",
                [
                    ("The person who made the decision", False),
                    ("Someone who was not involved in the decision", True),
                    ("Nobody: the system decides on its own", False),
                ],
            ),
            (
                "What should you do about repayments while an appeal is open?",
                "Keep repaying on time, so no new late payments are added to your record.",
                [
                    ("Stop paying until the result", False),
                    ("Keep repaying on time", True),
                    ("Pay only the interest", False),
                ],
            ),
        ],
    },
}


def grant_content_editor(apps, schema_editor):
    codenames = [f"{action}_{model}" for model in CONTENT_MODELS for action in ("add", "change", "view", "delete")]
    group_permissions_grant(apps, {CONTENT_EDITOR: codenames}, app_label="education")


def seed(apps, schema_editor):
    Topic = apps.get_model("education", "Topic")
    Article = apps.get_model("education", "Article")
    Quiz = apps.get_model("education", "Quiz")
    Question = apps.get_model("education", "Question")
    Choice = apps.get_model("education", "Choice")
    now = timezone.now()
    topics = {}
    for slug, ordering, name_zh, name_en, description_zh, description_en in TOPICS:
        topics[slug], _created = Topic.objects.update_or_create(
            slug=slug,
            defaults={
                "ordering": ordering,
                "name_zh": name_zh,
                "name_en": name_en,
                "description_zh": description_zh,
                "description_en": description_en,
            },
        )
    for entry in ARTICLES:
        for language, key in (("zh-hans", "zh"), ("en", "en")):
            text = entry[key]
            article, _created = Article.objects.update_or_create(
                slug=entry["slug"],
                language=language,
                defaults={
                    "topic": topics[entry["topic"]],
                    "level": entry["level"],
                    "title": text["title"],
                    "summary": text["summary"],
                    "body": text["body"],
                    "body_html": markdown_to_safe_html(text["body"]),
                    "reading_minutes": reading_minutes(f"{text['title']}\n{text['summary']}\n{text['body']}", language),
                    "is_published": True,
                    "published_at": now,
                },
            )
            questions = QUIZZES.get(entry["slug"], {}).get(key)
            if not questions:
                continue
            quiz, _created = Quiz.objects.get_or_create(article=article, defaults={"is_published": True})
            quiz.questions.all().delete()
            for number, (question_text, explanation, choices) in enumerate(questions, start=1):
                question = Question.objects.create(
                    quiz=quiz, text=question_text, explanation=explanation, ordering=number
                )
                Choice.objects.bulk_create(
                    Choice(question=question, text=choice_text, is_correct=is_correct, ordering=position)
                    for position, (choice_text, is_correct) in enumerate(choices, start=1)
                )


def forward(apps, schema_editor):
    grant_content_editor(apps, schema_editor)
    seed(apps, schema_editor)


def backward(apps, schema_editor):
    Article = apps.get_model("education", "Article")
    Article.objects.filter(slug__in=[entry["slug"] for entry in ARTICLES]).delete()
    Topic = apps.get_model("education", "Topic")
    Topic.objects.filter(slug__in=[topic[0] for topic in TOPICS], articles__isnull=True).delete()
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name=CONTENT_EDITOR):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="education", content_type__model__in=CONTENT_MODELS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("education", "0001_initial"),
        ("accounts", "0002_staff_groups"),
    ]
    operations = [migrations.RunPython(forward, backward)]
