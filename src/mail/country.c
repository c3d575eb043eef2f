/*
 * country.c: the ISO 3166-1 alpha-2 code of a lead's country, from a form
 * value, a phone number or a domain (spec section 6).
 *
 * Every table lives in this file:
 *   countries[]     all 249 ISO 3166-1 codes (alpha-2, alpha-3, English
 *                   short name), sorted by alpha-2, from the iso-codes
 *                   package (Debian iso-codes, iso_3166-1.json);
 *   aliases[]       names people type that are not the ISO short name:
 *                   ISO common and official names, native names, old
 *                   names, abbreviations ("UK", "USA", "Deutschland");
 *   calling_codes[] ITU-T E.164 country calling codes, one country each;
 *   generic_cctlds[] ccTLDs used worldwide as vanity domains, which say
 *                   nothing about where a lead is.
 * Returned codes are static uppercase strings.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "country.h"

/* Longer form values are not country names; they are not looked at. */
#define NAME_INPUT_MAX	256
/* Room for a folded name (see fold()); the longest is 52 bytes. */
#define NAME_KEY_MAX	128
/* A calling code has at most three digits. */
#define CALLING_CODE_MAX	3

struct country {
	const char *a2;		/* ISO 3166-1 alpha-2, the returned code */
	const char *a3;		/* ISO 3166-1 alpha-3 */
	const char *name;	/* ISO English short name */
};

/* Sorted by alpha-2 for bsearch(). */
static const struct country countries[] = {
	{ "AD", "AND", "Andorra" },
	{ "AE", "ARE", "United Arab Emirates" },
	{ "AF", "AFG", "Afghanistan" },
	{ "AG", "ATG", "Antigua and Barbuda" },
	{ "AI", "AIA", "Anguilla" },
	{ "AL", "ALB", "Albania" },
	{ "AM", "ARM", "Armenia" },
	{ "AO", "AGO", "Angola" },
	{ "AQ", "ATA", "Antarctica" },
	{ "AR", "ARG", "Argentina" },
	{ "AS", "ASM", "American Samoa" },
	{ "AT", "AUT", "Austria" },
	{ "AU", "AUS", "Australia" },
	{ "AW", "ABW", "Aruba" },
	{ "AX", "ALA", "Åland Islands" },
	{ "AZ", "AZE", "Azerbaijan" },
	{ "BA", "BIH", "Bosnia and Herzegovina" },
	{ "BB", "BRB", "Barbados" },
	{ "BD", "BGD", "Bangladesh" },
	{ "BE", "BEL", "Belgium" },
	{ "BF", "BFA", "Burkina Faso" },
	{ "BG", "BGR", "Bulgaria" },
	{ "BH", "BHR", "Bahrain" },
	{ "BI", "BDI", "Burundi" },
	{ "BJ", "BEN", "Benin" },
	{ "BL", "BLM", "Saint Barthélemy" },
	{ "BM", "BMU", "Bermuda" },
	{ "BN", "BRN", "Brunei Darussalam" },
	{ "BO", "BOL", "Bolivia, Plurinational State of" },
	{ "BQ", "BES", "Bonaire, Sint Eustatius and Saba" },
	{ "BR", "BRA", "Brazil" },
	{ "BS", "BHS", "Bahamas" },
	{ "BT", "BTN", "Bhutan" },
	{ "BV", "BVT", "Bouvet Island" },
	{ "BW", "BWA", "Botswana" },
	{ "BY", "BLR", "Belarus" },
	{ "BZ", "BLZ", "Belize" },
	{ "CA", "CAN", "Canada" },
	{ "CC", "CCK", "Cocos (Keeling) Islands" },
	{ "CD", "COD", "Congo, The Democratic Republic of the" },
	{ "CF", "CAF", "Central African Republic" },
	{ "CG", "COG", "Congo" },
	{ "CH", "CHE", "Switzerland" },
	{ "CI", "CIV", "Côte d'Ivoire" },
	{ "CK", "COK", "Cook Islands" },
	{ "CL", "CHL", "Chile" },
	{ "CM", "CMR", "Cameroon" },
	{ "CN", "CHN", "China" },
	{ "CO", "COL", "Colombia" },
	{ "CR", "CRI", "Costa Rica" },
	{ "CU", "CUB", "Cuba" },
	{ "CV", "CPV", "Cabo Verde" },
	{ "CW", "CUW", "Curaçao" },
	{ "CX", "CXR", "Christmas Island" },
	{ "CY", "CYP", "Cyprus" },
	{ "CZ", "CZE", "Czechia" },
	{ "DE", "DEU", "Germany" },
	{ "DJ", "DJI", "Djibouti" },
	{ "DK", "DNK", "Denmark" },
	{ "DM", "DMA", "Dominica" },
	{ "DO", "DOM", "Dominican Republic" },
	{ "DZ", "DZA", "Algeria" },
	{ "EC", "ECU", "Ecuador" },
	{ "EE", "EST", "Estonia" },
	{ "EG", "EGY", "Egypt" },
	{ "EH", "ESH", "Western Sahara" },
	{ "ER", "ERI", "Eritrea" },
	{ "ES", "ESP", "Spain" },
	{ "ET", "ETH", "Ethiopia" },
	{ "FI", "FIN", "Finland" },
	{ "FJ", "FJI", "Fiji" },
	{ "FK", "FLK", "Falkland Islands (Malvinas)" },
	{ "FM", "FSM", "Micronesia, Federated States of" },
	{ "FO", "FRO", "Faroe Islands" },
	{ "FR", "FRA", "France" },
	{ "GA", "GAB", "Gabon" },
	{ "GB", "GBR", "United Kingdom" },
	{ "GD", "GRD", "Grenada" },
	{ "GE", "GEO", "Georgia" },
	{ "GF", "GUF", "French Guiana" },
	{ "GG", "GGY", "Guernsey" },
	{ "GH", "GHA", "Ghana" },
	{ "GI", "GIB", "Gibraltar" },
	{ "GL", "GRL", "Greenland" },
	{ "GM", "GMB", "Gambia" },
	{ "GN", "GIN", "Guinea" },
	{ "GP", "GLP", "Guadeloupe" },
	{ "GQ", "GNQ", "Equatorial Guinea" },
	{ "GR", "GRC", "Greece" },
	{ "GS", "SGS", "South Georgia and the South Sandwich Islands" },
	{ "GT", "GTM", "Guatemala" },
	{ "GU", "GUM", "Guam" },
	{ "GW", "GNB", "Guinea-Bissau" },
	{ "GY", "GUY", "Guyana" },
	{ "HK", "HKG", "Hong Kong" },
	{ "HM", "HMD", "Heard Island and McDonald Islands" },
	{ "HN", "HND", "Honduras" },
	{ "HR", "HRV", "Croatia" },
	{ "HT", "HTI", "Haiti" },
	{ "HU", "HUN", "Hungary" },
	{ "ID", "IDN", "Indonesia" },
	{ "IE", "IRL", "Ireland" },
	{ "IL", "ISR", "Israel" },
	{ "IM", "IMN", "Isle of Man" },
	{ "IN", "IND", "India" },
	{ "IO", "IOT", "British Indian Ocean Territory" },
	{ "IQ", "IRQ", "Iraq" },
	{ "IR", "IRN", "Iran, Islamic Republic of" },
	{ "IS", "ISL", "Iceland" },
	{ "IT", "ITA", "Italy" },
	{ "JE", "JEY", "Jersey" },
	{ "JM", "JAM", "Jamaica" },
	{ "JO", "JOR", "Jordan" },
	{ "JP", "JPN", "Japan" },
	{ "KE", "KEN", "Kenya" },
	{ "KG", "KGZ", "Kyrgyzstan" },
	{ "KH", "KHM", "Cambodia" },
	{ "KI", "KIR", "Kiribati" },
	{ "KM", "COM", "Comoros" },
	{ "KN", "KNA", "Saint Kitts and Nevis" },
	{ "KP", "PRK", "Korea, Democratic People's Republic of" },
	{ "KR", "KOR", "Korea, Republic of" },
	{ "KW", "KWT", "Kuwait" },
	{ "KY", "CYM", "Cayman Islands" },
	{ "KZ", "KAZ", "Kazakhstan" },
	{ "LA", "LAO", "Lao People's Democratic Republic" },
	{ "LB", "LBN", "Lebanon" },
	{ "LC", "LCA", "Saint Lucia" },
	{ "LI", "LIE", "Liechtenstein" },
	{ "LK", "LKA", "Sri Lanka" },
	{ "LR", "LBR", "Liberia" },
	{ "LS", "LSO", "Lesotho" },
	{ "LT", "LTU", "Lithuania" },
	{ "LU", "LUX", "Luxembourg" },
	{ "LV", "LVA", "Latvia" },
	{ "LY", "LBY", "Libya" },
	{ "MA", "MAR", "Morocco" },
	{ "MC", "MCO", "Monaco" },
	{ "MD", "MDA", "Moldova, Republic of" },
	{ "ME", "MNE", "Montenegro" },
	{ "MF", "MAF", "Saint Martin (French part)" },
	{ "MG", "MDG", "Madagascar" },
	{ "MH", "MHL", "Marshall Islands" },
	{ "MK", "MKD", "North Macedonia" },
	{ "ML", "MLI", "Mali" },
	{ "MM", "MMR", "Myanmar" },
	{ "MN", "MNG", "Mongolia" },
	{ "MO", "MAC", "Macao" },
	{ "MP", "MNP", "Northern Mariana Islands" },
	{ "MQ", "MTQ", "Martinique" },
	{ "MR", "MRT", "Mauritania" },
	{ "MS", "MSR", "Montserrat" },
	{ "MT", "MLT", "Malta" },
	{ "MU", "MUS", "Mauritius" },
	{ "MV", "MDV", "Maldives" },
	{ "MW", "MWI", "Malawi" },
	{ "MX", "MEX", "Mexico" },
	{ "MY", "MYS", "Malaysia" },
	{ "MZ", "MOZ", "Mozambique" },
	{ "NA", "NAM", "Namibia" },
	{ "NC", "NCL", "New Caledonia" },
	{ "NE", "NER", "Niger" },
	{ "NF", "NFK", "Norfolk Island" },
	{ "NG", "NGA", "Nigeria" },
	{ "NI", "NIC", "Nicaragua" },
	{ "NL", "NLD", "Netherlands" },
	{ "NO", "NOR", "Norway" },
	{ "NP", "NPL", "Nepal" },
	{ "NR", "NRU", "Nauru" },
	{ "NU", "NIU", "Niue" },
	{ "NZ", "NZL", "New Zealand" },
	{ "OM", "OMN", "Oman" },
	{ "PA", "PAN", "Panama" },
	{ "PE", "PER", "Peru" },
	{ "PF", "PYF", "French Polynesia" },
	{ "PG", "PNG", "Papua New Guinea" },
	{ "PH", "PHL", "Philippines" },
	{ "PK", "PAK", "Pakistan" },
	{ "PL", "POL", "Poland" },
	{ "PM", "SPM", "Saint Pierre and Miquelon" },
	{ "PN", "PCN", "Pitcairn" },
	{ "PR", "PRI", "Puerto Rico" },
	{ "PS", "PSE", "Palestine, State of" },
	{ "PT", "PRT", "Portugal" },
	{ "PW", "PLW", "Palau" },
	{ "PY", "PRY", "Paraguay" },
	{ "QA", "QAT", "Qatar" },
	{ "RE", "REU", "Réunion" },
	{ "RO", "ROU", "Romania" },
	{ "RS", "SRB", "Serbia" },
	{ "RU", "RUS", "Russian Federation" },
	{ "RW", "RWA", "Rwanda" },
	{ "SA", "SAU", "Saudi Arabia" },
	{ "SB", "SLB", "Solomon Islands" },
	{ "SC", "SYC", "Seychelles" },
	{ "SD", "SDN", "Sudan" },
	{ "SE", "SWE", "Sweden" },
	{ "SG", "SGP", "Singapore" },
	{ "SH", "SHN", "Saint Helena, Ascension and Tristan da Cunha" },
	{ "SI", "SVN", "Slovenia" },
	{ "SJ", "SJM", "Svalbard and Jan Mayen" },
	{ "SK", "SVK", "Slovakia" },
	{ "SL", "SLE", "Sierra Leone" },
	{ "SM", "SMR", "San Marino" },
	{ "SN", "SEN", "Senegal" },
	{ "SO", "SOM", "Somalia" },
	{ "SR", "SUR", "Suriname" },
	{ "SS", "SSD", "South Sudan" },
	{ "ST", "STP", "Sao Tome and Principe" },
	{ "SV", "SLV", "El Salvador" },
	{ "SX", "SXM", "Sint Maarten (Dutch part)" },
	{ "SY", "SYR", "Syrian Arab Republic" },
	{ "SZ", "SWZ", "Eswatini" },
	{ "TC", "TCA", "Turks and Caicos Islands" },
	{ "TD", "TCD", "Chad" },
	{ "TF", "ATF", "French Southern Territories" },
	{ "TG", "TGO", "Togo" },
	{ "TH", "THA", "Thailand" },
	{ "TJ", "TJK", "Tajikistan" },
	{ "TK", "TKL", "Tokelau" },
	{ "TL", "TLS", "Timor-Leste" },
	{ "TM", "TKM", "Turkmenistan" },
	{ "TN", "TUN", "Tunisia" },
	{ "TO", "TON", "Tonga" },
	{ "TR", "TUR", "Türkiye" },
	{ "TT", "TTO", "Trinidad and Tobago" },
	{ "TV", "TUV", "Tuvalu" },
	{ "TW", "TWN", "Taiwan, Province of China" },
	{ "TZ", "TZA", "Tanzania, United Republic of" },
	{ "UA", "UKR", "Ukraine" },
	{ "UG", "UGA", "Uganda" },
	{ "UM", "UMI", "United States Minor Outlying Islands" },
	{ "US", "USA", "United States" },
	{ "UY", "URY", "Uruguay" },
	{ "UZ", "UZB", "Uzbekistan" },
	{ "VA", "VAT", "Holy See (Vatican City State)" },
	{ "VC", "VCT", "Saint Vincent and the Grenadines" },
	{ "VE", "VEN", "Venezuela, Bolivarian Republic of" },
	{ "VG", "VGB", "Virgin Islands, British" },
	{ "VI", "VIR", "Virgin Islands, U.S." },
	{ "VN", "VNM", "Viet Nam" },
	{ "VU", "VUT", "Vanuatu" },
	{ "WF", "WLF", "Wallis and Futuna" },
	{ "WS", "WSM", "Samoa" },
	{ "YE", "YEM", "Yemen" },
	{ "YT", "MYT", "Mayotte" },
	{ "ZA", "ZAF", "South Africa" },
	{ "ZM", "ZMB", "Zambia" },
	{ "ZW", "ZWE", "Zimbabwe" },
};

/*
 * Names that are not the ISO short name, in any spelling fold() makes
 * equal: abbreviations, constituent countries, native and older names,
 * then the common and official names the iso-codes package records.
 * Kosovo (XK) is left out: its code is not assigned by ISO.
 */
static const struct {
	const char *name;
	const char *a2;
} aliases[] = {
	/* What forms and people write. */
	{ "UK", "GB" }, { "Great Britain", "GB" }, { "Britain", "GB" },
	{ "England", "GB" }, { "Scotland", "GB" }, { "Wales", "GB" },
	{ "Northern Ireland", "GB" },
	{ "America", "US" }, { "Estados Unidos", "US" }, { "Etats-Unis", "US" },
	{ "US Virgin Islands", "VI" },
	{ "Deutschland", "DE" }, { "Allemagne", "DE" }, { "Alemania", "DE" },
	{ "Germania", "DE" },
	{ "Holland", "NL" }, { "Nederland", "NL" },
	{ "España", "ES" },
	{ "Schweiz", "CH" }, { "Suisse", "CH" }, { "Svizzera", "CH" },
	{ "Österreich", "AT" }, { "Oesterreich", "AT" },
	{ "Russia", "RU" }, { "Россия", "RU" }, { "Rossiya", "RU" },
	{ "Nihon", "JP" }, { "Nippon", "JP" }, { "日本", "JP" },
	{ "Korea", "KR" }, { "Republic of Korea", "KR" }, { "ROK", "KR" },
	{ "Korea (South)", "KR" }, { "대한민국", "KR" },
	{ "DPRK", "KP" }, { "Korea (North)", "KP" },
	{ "Česko", "CZ" }, { "Czech Rep.", "CZ" },
	{ "UAE", "AE" }, { "Emirates", "AE" },
	{ "Turkey", "TR" },
	{ "KSA", "SA" }, { "RSA", "ZA" },
	{ "Italia", "IT" }, { "Brasil", "BR" }, { "Polska", "PL" },
	{ "Sverige", "SE" }, { "Norge", "NO" }, { "Danmark", "DK" },
	{ "Suomi", "FI" }, { "Ísland", "IS" },
	{ "Belgique", "BE" }, { "België", "BE" }, { "Belgien", "BE" },
	{ "Republic of Ireland", "IE" }, { "Éire", "IE" },
	{ "Hellas", "GR" }, { "Ελλάδα", "GR" },
	{ "PRC", "CN" }, { "Mainland China", "CN" }, { "中国", "CN" },
	{ "Republic of China", "TW" },
	{ "Bharat", "IN" }, { "Magyarország", "HU" }, { "Hrvatska", "HR" },
	{ "Slovensko", "SK" }, { "Slovenija", "SI" },
	{ "Україна", "UA" }, { "Ukraina", "UA" },
	{ "Hong Kong SAR", "HK" }, { "Macau", "MO" },
	{ "Brunei", "BN" }, { "Ivory Coast", "CI" }, { "Cape Verde", "CV" },
	{ "Swaziland", "SZ" }, { "Macedonia", "MK" }, { "Burma", "MM" },
	{ "East Timor", "TL" },
	{ "Vatican", "VA" }, { "Vatican City", "VA" }, { "Holy See", "VA" },
	{ "Palestine", "PS" }, { "Micronesia", "FM" },
	{ "DRC", "CD" }, { "DR Congo", "CD" }, { "Congo-Kinshasa", "CD" },
	{ "Democratic Republic of the Congo", "CD" },
	{ "Congo-Brazzaville", "CG" },
	{ "Falkland Islands", "FK" }, { "Malvinas", "FK" },
	{ "Cocos Islands", "CC" }, { "Keeling Islands", "CC" },
	{ "Saint Martin", "MF" }, { "St Martin", "MF" },
	{ "Sint Maarten", "SX" },
	{ "Saint Barts", "BL" }, { "St Barts", "BL" }, { "St Barth", "BL" },
	{ "Bonaire", "BQ" }, { "Caribbean Netherlands", "BQ" },
	{ "Pitcairn Islands", "PN" }, { "Aland", "AX" }, { "Svalbard", "SJ" },
	{ "St Lucia", "LC" }, { "St Kitts and Nevis", "KN" },
	{ "Saint Kitts", "KN" }, { "St Kitts", "KN" },
	{ "St Vincent and the Grenadines", "VC" }, { "Saint Vincent", "VC" },
	{ "St Vincent", "VC" },
	{ "Saint Helena", "SH" }, { "St Helena", "SH" },
	{ "St Pierre and Miquelon", "PM" },
	{ "Heard and McDonald Islands", "HM" },
	{ "South Georgia", "GS" },
	/* iso-codes common and official names. */
	{ "Principality of Andorra", "AD" },
	{ "Islamic Republic of Afghanistan", "AF" },
	{ "Republic of Albania", "AL" },
	{ "Republic of Armenia", "AM" },
	{ "Republic of Angola", "AO" },
	{ "Argentine Republic", "AR" },
	{ "Republic of Austria", "AT" },
	{ "Republic of Azerbaijan", "AZ" },
	{ "Republic of Bosnia and Herzegovina", "BA" },
	{ "People's Republic of Bangladesh", "BD" },
	{ "Kingdom of Belgium", "BE" },
	{ "Republic of Bulgaria", "BG" },
	{ "Kingdom of Bahrain", "BH" },
	{ "Republic of Burundi", "BI" },
	{ "Republic of Benin", "BJ" },
	{ "Bolivia", "BO" },
	{ "Plurinational State of Bolivia", "BO" },
	{ "Federative Republic of Brazil", "BR" },
	{ "Commonwealth of the Bahamas", "BS" },
	{ "Kingdom of Bhutan", "BT" },
	{ "Republic of Botswana", "BW" },
	{ "Republic of Belarus", "BY" },
	{ "Republic of the Congo", "CG" },
	{ "Swiss Confederation", "CH" },
	{ "Republic of Côte d'Ivoire", "CI" },
	{ "Republic of Chile", "CL" },
	{ "Republic of Cameroon", "CM" },
	{ "People's Republic of China", "CN" },
	{ "Republic of Colombia", "CO" },
	{ "Republic of Costa Rica", "CR" },
	{ "Republic of Cuba", "CU" },
	{ "Republic of Cabo Verde", "CV" },
	{ "Republic of Cyprus", "CY" },
	{ "Czech Republic", "CZ" },
	{ "Federal Republic of Germany", "DE" },
	{ "Republic of Djibouti", "DJ" },
	{ "Kingdom of Denmark", "DK" },
	{ "Commonwealth of Dominica", "DM" },
	{ "People's Democratic Republic of Algeria", "DZ" },
	{ "Republic of Ecuador", "EC" },
	{ "Republic of Estonia", "EE" },
	{ "Arab Republic of Egypt", "EG" },
	{ "the State of Eritrea", "ER" },
	{ "Kingdom of Spain", "ES" },
	{ "Federal Democratic Republic of Ethiopia", "ET" },
	{ "Republic of Finland", "FI" },
	{ "Republic of Fiji", "FJ" },
	{ "Federated States of Micronesia", "FM" },
	{ "French Republic", "FR" },
	{ "Gabonese Republic", "GA" },
	{ "United Kingdom of Great Britain and Northern Ireland", "GB" },
	{ "Republic of Ghana", "GH" },
	{ "Republic of the Gambia", "GM" },
	{ "Republic of Guinea", "GN" },
	{ "Republic of Equatorial Guinea", "GQ" },
	{ "Hellenic Republic", "GR" },
	{ "Republic of Guatemala", "GT" },
	{ "Republic of Guinea-Bissau", "GW" },
	{ "Republic of Guyana", "GY" },
	{ "Hong Kong Special Administrative Region of China", "HK" },
	{ "Republic of Honduras", "HN" },
	{ "Republic of Croatia", "HR" },
	{ "Republic of Haiti", "HT" },
	{ "Republic of Indonesia", "ID" },
	{ "State of Israel", "IL" },
	{ "Republic of India", "IN" },
	{ "Republic of Iraq", "IQ" },
	{ "Iran", "IR" },
	{ "Islamic Republic of Iran", "IR" },
	{ "Republic of Iceland", "IS" },
	{ "Italian Republic", "IT" },
	{ "Hashemite Kingdom of Jordan", "JO" },
	{ "Republic of Kenya", "KE" },
	{ "Kyrgyz Republic", "KG" },
	{ "Kingdom of Cambodia", "KH" },
	{ "Republic of Kiribati", "KI" },
	{ "Union of the Comoros", "KM" },
	{ "North Korea", "KP" },
	{ "Democratic People's Republic of Korea", "KP" },
	{ "South Korea", "KR" },
	{ "State of Kuwait", "KW" },
	{ "Republic of Kazakhstan", "KZ" },
	{ "Laos", "LA" },
	{ "Lebanese Republic", "LB" },
	{ "Principality of Liechtenstein", "LI" },
	{ "Democratic Socialist Republic of Sri Lanka", "LK" },
	{ "Republic of Liberia", "LR" },
	{ "Kingdom of Lesotho", "LS" },
	{ "Republic of Lithuania", "LT" },
	{ "Grand Duchy of Luxembourg", "LU" },
	{ "Republic of Latvia", "LV" },
	{ "Kingdom of Morocco", "MA" },
	{ "Principality of Monaco", "MC" },
	{ "Moldova", "MD" },
	{ "Republic of Moldova", "MD" },
	{ "Republic of Madagascar", "MG" },
	{ "Republic of the Marshall Islands", "MH" },
	{ "Republic of North Macedonia", "MK" },
	{ "Republic of Mali", "ML" },
	{ "Republic of Myanmar", "MM" },
	{ "Macao Special Administrative Region of China", "MO" },
	{ "Commonwealth of the Northern Mariana Islands", "MP" },
	{ "Islamic Republic of Mauritania", "MR" },
	{ "Republic of Malta", "MT" },
	{ "Republic of Mauritius", "MU" },
	{ "Republic of Maldives", "MV" },
	{ "Republic of Malawi", "MW" },
	{ "United Mexican States", "MX" },
	{ "Republic of Mozambique", "MZ" },
	{ "Republic of Namibia", "NA" },
	{ "Republic of the Niger", "NE" },
	{ "Federal Republic of Nigeria", "NG" },
	{ "Republic of Nicaragua", "NI" },
	{ "Kingdom of the Netherlands", "NL" },
	{ "Kingdom of Norway", "NO" },
	{ "Federal Democratic Republic of Nepal", "NP" },
	{ "Republic of Nauru", "NR" },
	{ "Sultanate of Oman", "OM" },
	{ "Republic of Panama", "PA" },
	{ "Republic of Peru", "PE" },
	{ "Independent State of Papua New Guinea", "PG" },
	{ "Republic of the Philippines", "PH" },
	{ "Islamic Republic of Pakistan", "PK" },
	{ "Republic of Poland", "PL" },
	{ "the State of Palestine", "PS" },
	{ "Portuguese Republic", "PT" },
	{ "Republic of Palau", "PW" },
	{ "Republic of Paraguay", "PY" },
	{ "State of Qatar", "QA" },
	{ "Republic of Serbia", "RS" },
	{ "Rwandese Republic", "RW" },
	{ "Kingdom of Saudi Arabia", "SA" },
	{ "Republic of Seychelles", "SC" },
	{ "Republic of the Sudan", "SD" },
	{ "Kingdom of Sweden", "SE" },
	{ "Republic of Singapore", "SG" },
	{ "Republic of Slovenia", "SI" },
	{ "Slovak Republic", "SK" },
	{ "Republic of Sierra Leone", "SL" },
	{ "Republic of San Marino", "SM" },
	{ "Republic of Senegal", "SN" },
	{ "Federal Republic of Somalia", "SO" },
	{ "Republic of Suriname", "SR" },
	{ "Republic of South Sudan", "SS" },
	{ "Democratic Republic of Sao Tome and Principe", "ST" },
	{ "Republic of El Salvador", "SV" },
	{ "Syria", "SY" },
	{ "Kingdom of Eswatini", "SZ" },
	{ "Republic of Chad", "TD" },
	{ "Togolese Republic", "TG" },
	{ "Kingdom of Thailand", "TH" },
	{ "Republic of Tajikistan", "TJ" },
	{ "Democratic Republic of Timor-Leste", "TL" },
	{ "Republic of Tunisia", "TN" },
	{ "Kingdom of Tonga", "TO" },
	{ "Republic of Türkiye", "TR" },
	{ "Republic of Trinidad and Tobago", "TT" },
	{ "Taiwan", "TW" },
	{ "Tanzania", "TZ" },
	{ "United Republic of Tanzania", "TZ" },
	{ "Republic of Uganda", "UG" },
	{ "United States of America", "US" },
	{ "Eastern Republic of Uruguay", "UY" },
	{ "Republic of Uzbekistan", "UZ" },
	{ "Venezuela", "VE" },
	{ "Bolivarian Republic of Venezuela", "VE" },
	{ "British Virgin Islands", "VG" },
	{ "Virgin Islands of the United States", "VI" },
	{ "Vietnam", "VN" },
	{ "Socialist Republic of Viet Nam", "VN" },
	{ "Republic of Vanuatu", "VU" },
	{ "Independent State of Samoa", "WS" },
	{ "Republic of Yemen", "YE" },
	{ "Republic of South Africa", "ZA" },
	{ "Republic of Zambia", "ZM" },
	{ "Republic of Zimbabwe", "ZW" },
};

/*
 * ITU-T E.164 country calling codes. A code several countries share
 * names its main one, as the spec asks for +1: +1 US (not CA and the
 * Caribbean), +7 RU (not KZ), +44 GB (not GG IM JE), +47 NO (not SJ),
 * +61 AU (not CX CC), +212 MA (not EH), +262 RE (not YT), +290 SH,
 * +358 FI (not AX), +39 IT (not VA), +500 FK (not GS), +590 GP (not BL
 * MF), +599 CW (not BQ), +64 NZ (not PN), +672 NF (not AQ HM). Codes of
 * no country (+800 freephone, +870 Inmarsat, +881 satellite, +882/+883
 * international networks, +979 premium, +383 Kosovo, which ISO has not
 * assigned) are left out, so they give NULL.
 */
static const struct {
	const char *code;	/* digits after "+" */
	const char *a2;
} calling_codes[] = {
	{ "1", "US" }, { "7", "RU" },
	{ "20", "EG" }, { "211", "SS" }, { "212", "MA" }, { "213", "DZ" },
	{ "216", "TN" }, { "218", "LY" }, { "220", "GM" }, { "221", "SN" },
	{ "222", "MR" }, { "223", "ML" }, { "224", "GN" }, { "225", "CI" },
	{ "226", "BF" }, { "227", "NE" }, { "228", "TG" }, { "229", "BJ" },
	{ "230", "MU" }, { "231", "LR" }, { "232", "SL" }, { "233", "GH" },
	{ "234", "NG" }, { "235", "TD" }, { "236", "CF" }, { "237", "CM" },
	{ "238", "CV" }, { "239", "ST" }, { "240", "GQ" }, { "241", "GA" },
	{ "242", "CG" }, { "243", "CD" }, { "244", "AO" }, { "245", "GW" },
	{ "246", "IO" }, { "247", "SH" }, { "248", "SC" }, { "249", "SD" },
	{ "250", "RW" }, { "251", "ET" }, { "252", "SO" }, { "253", "DJ" },
	{ "254", "KE" }, { "255", "TZ" }, { "256", "UG" }, { "257", "BI" },
	{ "258", "MZ" }, { "260", "ZM" }, { "261", "MG" }, { "262", "RE" },
	{ "263", "ZW" }, { "264", "NA" }, { "265", "MW" }, { "266", "LS" },
	{ "267", "BW" }, { "268", "SZ" }, { "269", "KM" }, { "27", "ZA" },
	{ "290", "SH" }, { "291", "ER" }, { "297", "AW" }, { "298", "FO" },
	{ "299", "GL" },
	{ "30", "GR" }, { "31", "NL" }, { "32", "BE" }, { "33", "FR" },
	{ "34", "ES" }, { "350", "GI" }, { "351", "PT" }, { "352", "LU" },
	{ "353", "IE" }, { "354", "IS" }, { "355", "AL" }, { "356", "MT" },
	{ "357", "CY" }, { "358", "FI" }, { "359", "BG" }, { "36", "HU" },
	{ "370", "LT" }, { "371", "LV" }, { "372", "EE" }, { "373", "MD" },
	{ "374", "AM" }, { "375", "BY" }, { "376", "AD" }, { "377", "MC" },
	{ "378", "SM" }, { "379", "VA" }, { "380", "UA" }, { "381", "RS" },
	{ "382", "ME" }, { "385", "HR" }, { "386", "SI" }, { "387", "BA" },
	{ "389", "MK" }, { "39", "IT" },
	{ "40", "RO" }, { "41", "CH" }, { "420", "CZ" }, { "421", "SK" },
	{ "423", "LI" }, { "43", "AT" }, { "44", "GB" }, { "45", "DK" },
	{ "46", "SE" }, { "47", "NO" }, { "48", "PL" }, { "49", "DE" },
	{ "500", "FK" }, { "501", "BZ" }, { "502", "GT" }, { "503", "SV" },
	{ "504", "HN" }, { "505", "NI" }, { "506", "CR" }, { "507", "PA" },
	{ "508", "PM" }, { "509", "HT" }, { "51", "PE" }, { "52", "MX" },
	{ "53", "CU" }, { "54", "AR" }, { "55", "BR" }, { "56", "CL" },
	{ "57", "CO" }, { "58", "VE" }, { "590", "GP" }, { "591", "BO" },
	{ "592", "GY" }, { "593", "EC" }, { "594", "GF" }, { "595", "PY" },
	{ "596", "MQ" }, { "597", "SR" }, { "598", "UY" }, { "599", "CW" },
	{ "60", "MY" }, { "61", "AU" }, { "62", "ID" }, { "63", "PH" },
	{ "64", "NZ" }, { "65", "SG" }, { "66", "TH" }, { "670", "TL" },
	{ "672", "NF" }, { "673", "BN" }, { "674", "NR" }, { "675", "PG" },
	{ "676", "TO" }, { "677", "SB" }, { "678", "VU" }, { "679", "FJ" },
	{ "680", "PW" }, { "681", "WF" }, { "682", "CK" }, { "683", "NU" },
	{ "685", "WS" }, { "686", "KI" }, { "687", "NC" }, { "688", "TV" },
	{ "689", "PF" }, { "690", "TK" }, { "691", "FM" }, { "692", "MH" },
	{ "81", "JP" }, { "82", "KR" }, { "84", "VN" }, { "850", "KP" },
	{ "852", "HK" }, { "853", "MO" }, { "855", "KH" }, { "856", "LA" },
	{ "86", "CN" }, { "880", "BD" }, { "886", "TW" },
	{ "90", "TR" }, { "91", "IN" }, { "92", "PK" }, { "93", "AF" },
	{ "94", "LK" }, { "95", "MM" }, { "960", "MV" }, { "961", "LB" },
	{ "962", "JO" }, { "963", "SY" }, { "964", "IQ" }, { "965", "KW" },
	{ "966", "SA" }, { "967", "YE" }, { "968", "OM" }, { "970", "PS" },
	{ "971", "AE" }, { "972", "IL" }, { "973", "BH" }, { "974", "QA" },
	{ "975", "BT" }, { "976", "MN" }, { "977", "NP" }, { "98", "IR" },
	{ "992", "TJ" }, { "993", "TM" }, { "994", "AZ" }, { "995", "GE" },
	{ "996", "KG" }, { "998", "UZ" },
};

/*
 * ccTLDs that are not countries in practice: registration is open to
 * anyone and most names are bought for what the letters spell, so a
 * lead's .io says nothing about where it is. Google's list of generic
 * ccTLDs (Search Central) is the base; the others are as well known.
 *   ad Andorra: "ad"vertising           ag Antigua: German/Swiss "AG"
 *   ai Anguilla: "AI"                    as American Samoa: Nordic "AS"
 *   bz Belize: "biz"                     cc Cocos Islands: "cc"
 *   cd DR Congo: "CD"                    co Colombia: "company"
 *   dj Djibouti: "DJ"                    fm Micronesia: radio
 *   gd Grenada: "good", is.gd            gg Guernsey: gaming "gg"
 *   io British Indian Ocean Territory (no residents): tech "I/O"
 *   la Laos: Los Angeles                 ly Libya: "-ly" adverbs, bit.ly
 *   me Montenegro: "me"                  ms Montserrat: "MS"
 *   nu Niue: "now" in Nordic languages   pw Palau: "professional web"
 *   sc Seychelles: "SC"                  sh Saint Helena: shell, ".sh"
 *   sr Suriname: "SR"                    to Tonga: "to", "go.to"
 *   tv Tuvalu: television                vc St Vincent: venture capital
 *   ws Samoa: "website"
 *   tk Tokelau, ml Mali, ga Gabon, cf Central African Republic,
 *   gq Equatorial Guinea: given away free by Freenom, millions of names
 * .ac (Ascension), .eu and .su are no ISO 3166-1 codes, so they give
 * NULL without being listed. .am, .fo, .gl, .im, .md, .mu, .st stay
 * countries: their vanity use is smaller than their local one.
 */
static const char *const generic_cctlds[] = {
	"ad", "ag", "ai", "as", "bz", "cc", "cd", "cf", "co", "dj", "fm",
	"ga", "gd", "gg", "gq", "io", "la", "ly", "me", "ml", "ms", "nu",
	"pw", "sc", "sh", "sr", "tk", "to", "tv", "vc", "ws", NULL
};

/*
 * Second-level labels a ccTLD's own registry uses for its country's
 * firms and institutions: "com.co" is Colombian even though ".co" alone
 * is generic.
 */
static const char *const registry_slds[] = {
	"ac", "co", "com", "edu", "gob", "gouv", "gov", "mil", "net", "nom",
	"or", "org", NULL
};

static int
country_cmp(const void *key, const void *elem)
{
	const struct country *c = elem;

	return strcmp(key, c->a2);
}

/* The country of a two-letter code, any case; NULL if unassigned. */
static const struct country *
find_a2(const char *code)
{
	char up[3];

	if (strlen(code) != 2 || !g_ascii_isalpha(code[0]) ||
	    !g_ascii_isalpha(code[1]))
		return NULL;
	up[0] = g_ascii_toupper(code[0]);
	up[1] = g_ascii_toupper(code[1]);
	up[2] = '\0';
	return bsearch(up, countries, G_N_ELEMENTS(countries),
	    sizeof(countries[0]), country_cmp);
}

/* The country of a three-letter code, any case; NULL if unassigned. */
static const struct country *
find_a3(const char *code)
{
	if (strlen(code) != 3)
		return NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(countries); i++)
		if (g_ascii_strcasecmp(code, countries[i].a3) == 0)
			return &countries[i];
	return NULL;
}

gboolean
country_is_iso(const char *code)
{
	return code != NULL && find_a2(code) != NULL;
}

/* Append c to key, after a space if one is pending. */
static gboolean
put_char(char *key, gsize size, gsize *len, gboolean *space, gunichar c)
{
	char utf8[6];
	gint n = g_unichar_to_utf8(c, utf8);

	if (*len + (*space ? 1 : 0) + n >= size)
		return FALSE;
	if (*space)
		key[(*len)++] = ' ';
	*space = FALSE;
	memcpy(key + *len, utf8, n);
	*len += n;
	return TRUE;
}

/*
 * The key names are compared by: letters and digits lowercased and
 * without accents ("España" is "espana"), dots and apostrophes dropped
 * ("U.S.A." is "usa"), "&" spelt "and", any other run of characters one
 * space, and no "the" first or last. FALSE when s is not UTF-8 or its
 * key does not fit in size bytes.
 */
static gboolean
fold(const char *s, char *key, gsize size)
{
	gsize len = 0;
	gboolean space = FALSE;

	if (!g_utf8_validate(s, -1, NULL))
		return FALSE;
	for (const char *p = s; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar d[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
		gsize n = g_unichar_fully_decompose(g_utf8_get_char(p), TRUE,
		    d, G_N_ELEMENTS(d));

		for (gsize i = 0; i < n; i++) {
			if (g_unichar_ismark(d[i]) || d[i] == '.' ||
			    d[i] == '\'' || d[i] == 0x2019)
				continue;
			if (d[i] == '&') {
				space = len > 0;
				if (!put_char(key, size, &len, &space, 'a') ||
				    !put_char(key, size, &len, &space, 'n') ||
				    !put_char(key, size, &len, &space, 'd'))
					return FALSE;
				space = TRUE;
			} else if (g_unichar_isalnum(d[i])) {
				if (!put_char(key, size, &len, &space,
				    g_unichar_tolower(d[i])))
					return FALSE;
			} else
				space = len > 0;
		}
	}
	key[len] = '\0';
	/* "Bahamas, The" and "The Bahamas" are "bahamas". */
	if (len > 4 && strcmp(key + len - 4, " the") == 0) {
		len -= 4;
		key[len] = '\0';
	}
	if (strncmp(key, "the ", 4) == 0)
		memmove(key, key + 4, len - 3);
	return TRUE;
}

/* TRUE when name folds to key. */
static gboolean
same_name(const char *key, const char *name)
{
	char k[NAME_KEY_MAX];

	return fold(name, k, sizeof(k)) && strcmp(key, k) == 0;
}

const char *
country_from_name(const char *s)
{
	char key[NAME_KEY_MAX];
	const struct country *c;

	if (s == NULL || strlen(s) > NAME_INPUT_MAX ||
	    !fold(s, key, sizeof(key)) || key[0] == '\0')
		return NULL;
	c = find_a2(key);
	if (c == NULL)
		c = find_a3(key);
	if (c != NULL)
		return c->a2;
	for (gsize i = 0; i < G_N_ELEMENTS(countries); i++)
		if (same_name(key, countries[i].name))
			return countries[i].a2;
	for (gsize i = 0; i < G_N_ELEMENTS(aliases); i++)
		if (same_name(key, aliases[i].name))
			return aliases[i].a2;
	return NULL;
}

/*
 * Where the digits after an international prefix start: "+49",
 * "0049", "(+49)", "Tel: +49", each with spaces allowed around the
 * prefix. NULL when there is no "+" or "00" before the first digit.
 */
static const char *
after_prefix(const char *p)
{
	while (*p != '\0' && *p != '+' && !g_ascii_isdigit(*p))
		p++;
	if (*p == '+')
		p++;
	else if (p[0] == '0' && p[1] == '0')
		p += 2;
	else
		return NULL;
	while (*p == ' ' || *p == '(')
		p++;
	return p;
}

const char *
country_from_phone(const char *phone)
{
	char code[CALLING_CODE_MAX + 1];
	const char *p;
	gsize n = 0;

	if (phone == NULL)
		return NULL;
	p = after_prefix(phone);
	if (p == NULL)
		return NULL;
	/* The code ends at the first separator: "+1 242" is +1. */
	while (n < CALLING_CODE_MAX && g_ascii_isdigit(p[n])) {
		code[n] = p[n];
		n++;
	}
	/* Codes are prefix-free, so the longest match is the only one. */
	for (; n > 0; n--) {
		code[n] = '\0';
		for (gsize i = 0; i < G_N_ELEMENTS(calling_codes); i++)
			if (strcmp(code, calling_codes[i].code) == 0)
				return calling_codes[i].a2;
	}
	return NULL;
}

static gboolean
in_list(const char *const *list, const char *s, gsize len)
{
	for (guint i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == len &&
		    g_ascii_strncasecmp(list[i], s, len) == 0)
			return TRUE;
	return FALSE;
}

const char *
country_from_domain(const char *domain)
{
	const char *start, *end, *tld, *sld;
	const struct country *c;
	char code[3];

	if (domain == NULL)
		return NULL;
	/* An address is as good as its domain. */
	start = strrchr(domain, '@');
	start = start != NULL ? start + 1 : domain;
	while (g_ascii_isspace(*start))
		start++;
	/* Trailing space and the root's dot ("example.de.") go. */
	end = start + strlen(start);
	while (end > start && (g_ascii_isspace(end[-1]) || end[-1] == '.'))
		end--;
	tld = end;
	while (tld > start && tld[-1] != '.')
		tld--;
	if (end - tld != 2)
		return NULL;
	if (g_ascii_strncasecmp(tld, "uk", 2) == 0)
		return find_a2("GB")->a2;
	code[0] = tld[0];
	code[1] = tld[1];
	code[2] = '\0';
	c = find_a2(code);
	if (c == NULL)
		return NULL;
	if (in_list(generic_cctlds, tld, 2)) {
		/* "com.co" and "org.ai" are registered in the country. */
		if (tld - start < 2)
			return NULL;
		sld = tld - 1;
		while (sld > start && sld[-1] != '.')
			sld--;
		if (!in_list(registry_slds, sld, tld - 1 - sld))
			return NULL;
	}
	return c->a2;
}
